"""Dashboards, the steering view and the exports of statistics (cases/stats.py computes).

- ``dashboard``: the figures of the cases the user sees (``visible_to``): the whole canton
  for the officer and the secretariat, the region or theme for a coordinator, and the own
  caseload first for a case manager. Every number links to the case list filtered to
  exactly the counted cases (the list applies the same scope).
- ``statistics``: the steering view (COPIL / CDC): aggregates of every case for one year,
  no names, no links, small counts hidden (``stats.suppress_counts``).
- ``activity_report``: the year's statistics for the activity report, as XLSX or CSV.

Charts are drawn here as inline SVG (no script, no inline style: colours come from classes
in static/css/dashboards.css), each beside the table with the same figures.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import stats
from cases.filters import DashboardFilterForm, YearForm
from cases.models import Case
from cases.views import forbidden
from roles.access import can_view_dashboard, can_view_statistics
from roles.models import Role

# --- Charts ---------------------------------------------------------------------------------

CHART_WIDTH = 640


@dataclass
class Mark:
    """One bar or column with its label and its value text."""

    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    text_x: float
    text_y: float
    is_total: bool = False


@dataclass
class Chart:
    kind: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)  # (y, text) of the value axis
    axis_y: float = 0
    left: float = 0  # where the value axis is drawn


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at least ``value`` (the top of the value axis)."""
    if value <= 0:
        return 1
    scale = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * scale:
            return step * scale
    return 10 * scale


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _chart_value(cell: stats.Cell) -> float:
    """What the chart draws: nothing for a hidden (suppressed) count."""
    return 0 if cell.hidden or cell.value is None else float(cell.value)


def bar_chart(table: stats.Table) -> Chart:
    """Horizontal bars for the first value column of each row (totals left out)."""
    rows = table.body
    label_width, row_height, bar_height = 250, 28, 18
    plot = CHART_WIDTH - label_width - 60
    top = nice_ceiling(max((_chart_value(r.cells[0]) for r in rows), default=0))
    chart = Chart("bars", CHART_WIDTH, row_height * len(rows) + 8)
    for i, row in enumerate(rows):
        cell = row.cells[0]
        width = plot * _chart_value(cell) / top
        y = 4 + i * row_height
        chart.marks.append(Mark(
            label=_shorten(row.label, 40), text=cell.text, x=label_width, y=y + (row_height - bar_height) / 2,
            width=round(width, 1), height=bar_height, label_x=label_width - 8, label_y=y + row_height / 2 + 4,
            text_x=round(label_width + width + 6, 1), text_y=y + row_height / 2 + 4,
        ))
    return chart


def column_chart(table: stats.Table) -> Chart:
    """Vertical columns for the first value column of each row (months), with a value axis."""
    rows = table.body
    left, bottom, top_margin, height = 44, 40, 18, 240
    plot_w, plot_h = CHART_WIDTH - left - 8, height - bottom - top_margin
    top = nice_ceiling(max((_chart_value(r.cells[0]) for r in rows), default=0))
    slot = plot_w / max(len(rows), 1)
    every = max(1, round(len(rows) / 12))  # at most about twelve labels under the axis
    chart = Chart("columns", CHART_WIDTH, height, axis_y=height - bottom, left=left)
    for fraction in (0, 0.5, 1):
        value = top * fraction
        chart.grid.append((round(height - bottom - plot_h * fraction, 1), stats.format_number(value if value % 1 else int(value))))
    for i, row in enumerate(rows):
        cell = row.cells[0]
        h = plot_h * _chart_value(cell) / top
        x = left + i * slot + slot * 0.15
        chart.marks.append(Mark(
            label=row.short or row.label if i % every == 0 else "", text=cell.text if len(rows) <= 24 else "",
            x=round(x, 1), y=round(height - bottom - h, 1), width=round(slot * 0.7, 1), height=round(h, 1),
            label_x=round(x + slot * 0.35, 1), label_y=height - bottom + 16,
            text_x=round(x + slot * 0.35, 1), text_y=round(height - bottom - h - 4, 1),
        ))
    return chart


def chart_for(table: stats.Table) -> Chart | None:
    if table.chart == "bars" and table.body:
        return bar_chart(table)
    if table.chart == "columns" and table.body:
        return column_chart(table)
    return None


@dataclass
class Figure:
    """A table and its chart, as the templates show them."""

    table: stats.Table
    chart: Chart | None


def figures(*tables: stats.Table) -> list[Figure]:
    return [Figure(table, chart_for(table)) for table in tables]


# --- Links to the case list -----------------------------------------------------------------


def case_list_link(base: dict):
    """A function that gives the case list's URL for the dashboard's filters plus ``params``."""

    def link(**params) -> str:
        merged = {**base, **params}
        query = {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in sorted(merged.items())}
        return f"{reverse('cases:list')}?{urlencode(query)}"

    return link


# --- Pages ----------------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures of the cases the user sees, filtered by period, region, theme, institution."""
    user = request.user
    if not can_view_dashboard(user):
        if can_view_statistics(user):
            return HttpResponseRedirect(reverse("cases:statistics"))
        return forbidden(request, [_("Your role gives no access to individual cases, so there is no dashboard for it.")])
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET or None, today=today)
    period = form.period
    cases = form.filter(Case.objects.visible_to(user))
    link = case_list_link(form.link_params())

    snap = stats.Snapshot(cases, today)
    flow = stats.Flow.of(cases, period)
    labels = stats.Labels.load(people_ids=[pk for pk in snap.by_cm if pk])
    monthly = stats.table_new_per_month(flow.months, period, link)
    closed = stats.table_closed_by_outcome(flow.outcomes, period, link)
    durations = stats.table_durations(flow.durations, period, link)
    open_by_state = stats.table_open_by_state(snap, link)
    overdue_by_rule = stats.table_overdue_by_rule(snap, link)

    mine = []
    if snap.by_cm[user.pk]:
        mine = figures(stats.table_open_by_state(snap, link, case_manager=user.pk),
                       stats.table_overdue_by_rule(snap, link, case_manager=user.pk))
    context = {
        "form": form,
        "period": period,
        "sees_everything": user.has_role(Role.OFFICER, Role.SECRETARIAT),
        "can_view_statistics": can_view_statistics(user),
        "key_figures": [
            ("open", _("Open cases"), open_by_state.totals[0].cells[0]),
            ("overdue", _("Overdue cases"), overdue_by_rule.rows[-1].cells[0]),
            ("new", _("New cases in the period"), monthly.totals[0].cells[0]),
            ("closed", _("Closed in the period"), closed.rows[-2].cells[0]),
            ("placement_rate", _("Placement rate"), closed.rows[-1].cells[0]),
        ],
        "mine": mine,
        "open": figures(open_by_state) + [Figure(stats.table_open_by_region_theme(snap, labels, link), None)],
        "flow": figures(monthly, closed, durations),
        "overdue": figures(overdue_by_rule, stats.table_overdue_by_region(snap, labels, link),
                           stats.table_overdue_by_cm(snap, labels, link), stats.table_overdue_by_institution(snap, labels, link)),
        "caseload": figures(stats.table_caseload(snap, labels, link)),
        "this_year": today.year,
    }
    return render(request, "dashboards/dashboard.html", context)


def _statistics_forbidden(request: HttpRequest) -> HttpResponse:
    return forbidden(request, [_("The statistics are for the steering boards, the cantonal officer and the secretariat.")])


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The steering view (COPIL / CDC): aggregates of every case, one year, small counts hidden."""
    if not can_view_statistics(request.user):
        return _statistics_forbidden(request)
    today = timezone.localdate()
    form = YearForm(request.GET or None, today=today)
    cases = Case.objects.all()
    snap = stats.Snapshot(cases, today)
    labels = stats.Labels.load()
    snapshot_tables = [
        stats.table_open_by_state(snap, suppressed=True),
        stats.table_open_by_region(snap, labels, suppressed=True),
        stats.table_open_by_theme(snap, labels, suppressed=True),
        stats.table_overdue_by_rule(snap, suppressed=True),
        stats.table_overdue_by_region(snap, labels, suppressed=True),
    ]
    context = {
        "form": form,
        "year": str(form.chosen_year),  # not a number to format: no thousands separator
        "today": today,
        "snapshot": figures(*snapshot_tables),
        "year_figures": figures(*stats.activity_report(cases, form.chosen_year, suppressed=True, labels=labels)),
        "full_export": request.user.has_role(Role.OFFICER, Role.SECRETARIAT),
        "small": stats.SMALL,
    }
    return render(request, "dashboards/statistics.html", context)


# --- Exports --------------------------------------------------------------------------------

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


def _export_value(cell: stats.Cell):
    """Numbers as numbers; hidden counts and missing values as their text."""
    if cell.hidden or cell.value is None:
        return cell.text if cell.hidden else ""
    if cell.text.endswith("%"):
        return cell.text
    return cell.value


def table_sheet(table: stats.Table) -> Sheet:
    rows = [[row.label] + [_export_value(cell) for cell in row.cells] for row in table.rows]
    if table.note:
        rows.append([table.note])
    return Sheet(table.title, [table.row_header] + table.columns, rows, heading=table.title)


@require_GET
def activity_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The year's statistics for the activity report (``?year=``). The officer and the
    secretariat get the exact figures (``&suppressed=1``: the version for the steering
    boards); the steering boards always get small counts hidden."""
    user = request.user
    if not can_view_statistics(user):
        return _statistics_forbidden(request)
    today = timezone.localdate()
    form = YearForm(request.GET or None, today=today)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(error) for errors in form.errors.values() for error in errors))
    full = user.has_role(Role.OFFICER, Role.SECRETARIAT) and request.GET.get("suppressed") != "1"
    tables = stats.activity_report(Case.objects.all(), form.chosen_year, suppressed=not full)
    title = _("IIZ activity report %(year)s") % {"year": form.chosen_year}
    note = _("Small counts (1 to 4) are shown as “< 5”; “×” hides a further count so that they cannot be recomputed.")
    cover = Sheet(title, [title], [
        [_("Year: %(year)s") % {"year": form.chosen_year}],
        [_("Created on %(date)s") % {"date": date_format(today, "SHORT_DATE_FORMAT")}],
        [_("Exact figures") if full else note],
    ])
    filename = f"iiz-activity-report-{form.chosen_year}" + ("" if full else "-steering")
    return spreadsheet_response(fmt, filename, [cover] + [table_sheet(table) for table in tables])
