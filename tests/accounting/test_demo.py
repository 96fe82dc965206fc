"""The demo's accounting and conferences, made by the real actions: invoices in each state,
a credit note, costs linked to the held assessments, conferences with registrations."""

from django.db.models import F

from cases.accounting import figures
from cases.models import AccountingEntry, Conference, Cost, CostKind, CreditNote, Invoice, InvoiceState
from roles.models import User


def test_the_demo_has_invoices_in_each_state(demo, db):
    states = set(Invoice.objects.values_list("state", flat=True))
    assert states == {InvoiceState.DRAFT, InvoiceState.SENT, InvoiceState.PAID, InvoiceState.CANCELLED}
    cancelled = Invoice.objects.get(state=InvoiceState.CANCELLED)
    assert CreditNote.objects.get().invoice == cancelled and cancelled.cancel_reason
    assert all(invoice.total > 0 and invoice.lines.exists() for invoice in Invoice.objects.all())
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 5


def test_the_demo_costs_include_the_held_assessments(demo, db):
    assessments = Cost.objects.filter(kind=CostKind.ASSESSMENT)
    assert assessments.exists() and all(cost.meeting.case_id == cost.case_id for cost in assessments)
    assert Cost.objects.filter(kind=CostKind.MEASURE).count() == 6
    for table in figures.share_tables():
        assert table.total == 100


def test_the_demo_secretariat_finds_the_invoices_in_its_tasks(demo, db):
    from cases import worklists
    from tests.cases.test_worklists import fresh

    secretariat = fresh(User.objects.get(username="secretariat"))
    counts = worklists.counts(secretariat)
    assert counts["invoices_to_send"] == 1 and counts["overdue_invoices"] >= 1


def test_the_demo_has_conferences_with_registrations(demo, db):
    coming = Conference.objects.get(title__startswith="IIZ-Tagung")
    assert coming.registrations.count() == 6
    assert coming.registrations.exclude(registered_by=F("participant")).count() == 2  # by the secretariat
    assert AccountingEntry.objects.filter(event="registered").count() == 9
