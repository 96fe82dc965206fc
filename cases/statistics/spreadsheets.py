"""Spreadsheet downloads (statistics, case lists) as XLSX or CSV, safe against formulas."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> object:
    """A cell value that a spreadsheet will not run as a formula: text starting with = + - @
    (or a tab or carriage return) gets a leading quote. Numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list]
    heading: str = ""


def spreadsheet_response(fmt: str, filename: str, sheets: list[Sheet]) -> HttpResponse:
    """The sheets as one XLSX workbook (a worksheet each) or as one CSV file (the sheets one
    after the other, separated by an empty line). CSV: UTF-8 with a byte order mark and
    semicolons, as spreadsheet programs in Switzerland expect."""
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        book.remove(book.active)
        used = set()
        for sheet in sheets:
            name = _sheet_name(sheet.title, used)
            ws = book.create_sheet(name)
            if sheet.heading:
                ws.append([safe_text(sheet.heading)])
                ws.cell(row=1, column=1).font = Font(bold=True)
            ws.append([safe_text(value) for value in sheet.header])
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for row in sheet.rows:
                ws.append([safe_text(value) for value in row])
            for column in ws.columns:
                width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
                ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
        out = io.BytesIO()
        book.save(out)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(out.getvalue(), content_type=content_type)
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        for i, sheet in enumerate(sheets):
            if i:
                writer.writerow([])
            if sheet.heading:
                writer.writerow([safe_text(sheet.heading)])
            writer.writerow([safe_text(value) for value in sheet.header])
            writer.writerows([safe_text(value) for value in row] for row in sheet.rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _sheet_name(title: str, used: set) -> str:
    """A worksheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate
