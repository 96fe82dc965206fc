"""Invoice and credit-note numbers: sequential per year ("2026-0001", "CN-2026-0001"),
unique, never reused. The year's counter row is locked (SELECT ... FOR UPDATE) inside the
caller's transaction, so invoices made at the same moment wait for each other and get
consecutive numbers; a cancelled invoice keeps its number."""

from __future__ import annotations

from django.db import transaction

from cases.models import NumberCounter

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
FORMATS = {INVOICE: "{year}-{number:04d}", CREDIT_NOTE: "CN-{year}-{number:04d}"}


def next_number(series: str, year: int) -> str:
    """The next number of ``series`` in ``year``; must run inside the transaction that saves
    the document with it (the counter stays locked until it commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A number is taken inside the transaction that saves its document.")
    NumberCounter.objects.get_or_create(series=series, year=year)  # the first of the year (race: one wins)
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return FORMATS[series].format(year=year, number=counter.last)
