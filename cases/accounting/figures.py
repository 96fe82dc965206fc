"""What the accounting pages read, each in a fixed number of queries: the cost-share
tables and the shares in force at a date, the costs still to bill to an institution, the
invoices of the list, the open items."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from cases.models import Cost, CostShare, Invoice, InvoiceLine, InvoiceState

HUNDRED = Decimal("100")


@dataclass
class ShareTable:
    """The shares of the institutions from ``valid_from`` on (until the next table)."""

    valid_from: datetime.date
    rows: list[CostShare] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.percent for row in self.rows), Decimal("0"))

    def percent_of(self, institution_id: int) -> Decimal | None:
        return next((row.percent for row in self.rows if row.institution_id == institution_id), None)


def share_tables(until: datetime.date | None = None) -> list[ShareTable]:
    """Every table of shares (the newest first), those in force by ``until`` if given; one query."""
    rows = CostShare.objects.select_related("institution").order_by("-valid_from", "institution__code")
    if until is not None:
        rows = rows.filter(valid_from__lte=until)
    tables: list[ShareTable] = []
    for row in rows:
        if not tables or tables[-1].valid_from != row.valid_from:
            tables.append(ShareTable(row.valid_from))
        tables[-1].rows.append(row)
    return tables


def table_at(tables: list[ShareTable], day: datetime.date) -> ShareTable | None:
    """The table in force on ``day``: the newest one from before or on that day."""
    return next((table for table in tables if table.valid_from <= day), None)


def shares_on(day: datetime.date) -> dict[int, Decimal]:
    """{institution id: percent} in force on ``day`` (empty before the first table)."""
    table = table_at(share_tables(day), day)
    return {row.institution_id: row.percent for row in table.rows} if table else {}


def billed_to(institution_id: int) -> Exists:
    """The cost is on a live (not cancelled) invoice of the institution already."""
    return Exists(
        InvoiceLine.objects.filter(cost=OuterRef("pk"), invoice__institution_id=institution_id).exclude(
            invoice__state=InvoiceState.CANCELLED
        )
    )


def billable(institution_id: int, start: datetime.date, end: datetime.date) -> list[tuple[Cost, Decimal]]:
    """The costs of the period not yet billed to the institution, each with the
    institution's share in force at the cost's date (costs where it has none are left out)."""
    tables = share_tables(end)
    costs = (
        Cost.objects.filter(incurred_on__range=(start, end))
        .exclude(billed_to(institution_id))
        .select_related("case")
        .order_by("incurred_on", "pk")
    )
    found = []
    for cost in costs:
        table = table_at(tables, cost.incurred_on)
        percent = table.percent_of(institution_id) if table else None
        if percent:
            found.append((cost, percent))
    return found


def invoices(*, state: str = "", institution_id: int | None = None, year: int | None = None) -> QuerySet:
    """The invoices of the list, filtered; newest number first."""
    rows = Invoice.objects.select_related("institution", "credit_note").order_by("-created_at", "-pk")
    if state:
        rows = rows.filter(state=state)
    if institution_id:
        rows = rows.filter(institution_id=institution_id)
    if year:
        rows = rows.filter(Q(period_start__year=year) | Q(period_end__year=year))
    return rows


def open_items(today: datetime.date) -> QuerySet:
    """The sent invoices not paid yet, the longest overdue first."""
    return Invoice.objects.filter(state=InvoiceState.SENT).select_related("institution").order_by("due_on", "number")


def open_total(items: Iterable[Invoice]) -> Decimal:
    return sum((invoice.total for invoice in items), Decimal("0.00"))


def costs_list() -> QuerySet:
    """The costs, newest first, with the number of live invoices they are on."""
    return (
        Cost.objects.select_related("case", "meeting")
        .annotate(
            live_lines=Count("invoice_lines", filter=~Q(invoice_lines__invoice__state=InvoiceState.CANCELLED), distinct=True)
        )
        .order_by("-incurred_on", "-pk")
    )


def totals_by_state() -> dict[str, Decimal]:
    """{state: sum of the totals}, one query."""
    rows = Invoice.objects.order_by().values("state").annotate(sum=Sum("total"))
    return {row["state"]: row["sum"] for row in rows}
