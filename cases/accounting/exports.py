"""The export for the canton's accounting: every invoice and credit note with its numbers,
dates, institution and amount, and every position, as CSV or XLSX (through
cases/statistics/spreadsheets.py, which neutralises formulas)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from cases.models import CreditNote, Invoice, InvoiceLine
from cases.statistics.spreadsheets import Sheet, spreadsheet_response


def _day(value) -> str:
    return value.isoformat() if value else ""


def sheets(year: int | None = None) -> list[Sheet]:
    """Three sheets: the invoices, the credit notes, the positions (three queries)."""
    invoices = Invoice.objects.select_related("institution").order_by("number")
    notes = CreditNote.objects.select_related("invoice__institution").order_by("number")
    lines = InvoiceLine.objects.select_related("invoice__institution", "cost__case").order_by("invoice__number", "pk")
    if year:
        invoices = invoices.filter(number__startswith=f"{year}-")
        notes = notes.filter(invoice__number__startswith=f"{year}-")
        lines = lines.filter(invoice__number__startswith=f"{year}-")
    return [
        Sheet(
            _("Invoices"),
            [
                _("Number"),
                _("Institution"),
                _("Period from"),
                _("Period to"),
                _("State"),
                _("Invoice date"),
                _("Due on"),
                _("Paid on"),
                _("Total (CHF)"),
            ],
            [
                [
                    i.number,
                    i.institution.code.upper(),
                    _day(i.period_start),
                    _day(i.period_end),
                    i.get_state_display(),
                    _day(i.issued_on),
                    _day(i.due_on),
                    _day(i.paid_on),
                    i.total,
                ]
                for i in invoices
            ],
        ),
        Sheet(
            _("Credit notes"),
            [_("Number"), _("Invoice"), _("Institution"), _("Date"), _("Amount (CHF)"), _("Reason")],
            [
                [n.number, n.invoice.number, n.invoice.institution.code.upper(), _day(n.issued_on), -n.amount, n.reason]
                for n in notes
            ],
        ),
        Sheet(
            _("Positions"),
            [
                _("Invoice"),
                _("Institution"),
                _("Date"),
                _("Kind"),
                _("Description"),
                _("Case"),
                _("Cost (CHF)"),
                _("Share (%)"),
                _("Amount (CHF)"),
            ],
            [
                [
                    line.invoice.number,
                    line.invoice.institution.code.upper(),
                    _day(line.cost.incurred_on),
                    line.cost.get_kind_display(),
                    line.cost.description,
                    line.cost.case.reference if line.cost.case else "",
                    line.cost.amount,
                    line.percent,
                    line.amount,
                ]
                for line in lines
            ],
        ),
    ]


def export(fmt: str, year: int | None = None) -> HttpResponse:
    name = _("iiz-accounting") + (f"-{year}" if year else "")
    return spreadsheet_response(fmt, name, sheets(year))
