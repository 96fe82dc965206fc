"""The accounting actions: shares that sum to 100 %, costs, invoices numbered per year and
never reused, their states (draft → sent → paid, or cancelled with a credit note), a sent
invoice never edited, and the refusals by role."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.accounting import actions, figures, numbers
from cases.flow.policy import ActionRefused
from cases.models import AccountingEntry, CostShare, CreditNote, Invoice, InvoiceLine, InvoiceState, NumberCounter
from tests.factories import institution

pytestmark = pytest.mark.django_db

MARCH = {"period_start": datetime.date(2026, 3, 1), "period_end": datetime.date(2026, 3, 31)}


# --- shares -------------------------------------------------------------------------------------


def test_shares_valid_from_a_date_must_sum_to_100_percent(officer):
    with pytest.raises(ActionRefused) as refusal:
        actions.set_cost_shares(
            by=officer,
            valid_from=datetime.date(2026, 1, 1),
            shares={institution("rav"): Decimal("60"), institution("ai"): Decimal("39.99")},
        )
    assert "99.99" in refusal.value.reasons[0]
    assert refusal.value.fields == {"shares": refusal.value.reasons}
    assert not CostShare.objects.exists()


def test_the_shares_in_force_are_the_latest_table_from_before_the_date(officer, shares):
    actions.set_cost_shares(
        by=officer, valid_from=datetime.date(2026, 7, 1), shares={institution("rav"): 50, institution("ai"): 50}
    )
    rav, social, ai = (institution(c).pk for c in ("rav", "social", "ai"))
    assert figures.shares_on(datetime.date(2025, 12, 31)) == {}
    assert figures.shares_on(datetime.date(2026, 6, 30)) == {rav: Decimal("40"), social: Decimal("35"), ai: Decimal("25")}
    assert figures.shares_on(datetime.date(2026, 7, 1)) == {rav: Decimal("50"), ai: Decimal("50")}


def test_a_table_of_the_same_date_replaces_the_former_one(officer, shares):
    actions.set_cost_shares(by=officer, valid_from=datetime.date(2026, 1, 1), shares={institution("ai"): 100})
    assert list(CostShare.objects.values_list("institution__code", "percent")) == [("ai", Decimal("100.00"))]
    assert AccountingEntry.objects.filter(event="shares_set").count() == 2


# --- invoices -------------------------------------------------------------------------------------


def test_an_invoice_bills_each_cost_at_the_share_in_force_rounded_to_five_rappen(invoice):
    lines = list(invoice.lines.select_related("cost").order_by("cost__description"))
    assert [(line.cost.description, line.percent, line.amount) for line in lines] == [
        ("Assessment A", Decimal("40.00"), Decimal("400.00")),
        ("Job coaching", Decimal("40.00"), Decimal("133.35")),  # 133.332
    ]
    assert invoice.total == Decimal("533.35")
    assert invoice.state == InvoiceState.DRAFT
    assert invoice.number == f"{datetime.date.today().year}-0001"


def test_a_cost_is_billed_to_an_institution_once(invoice, secretariat):
    with pytest.raises(ActionRefused, match="nichts zu verrechnen"):
        actions.make_invoice(by=secretariat, institution=institution("rav"), **MARCH)
    other = actions.make_invoice(by=secretariat, institution=institution("social"), **MARCH)
    assert other.total == Decimal("466.65")  # 350.00 + 116.65 (116.6655)


def test_numbers_are_consecutive_per_year_and_never_reused(invoice, secretariat):
    year = datetime.date.today().year
    actions.cancel_invoice(invoice, by=secretariat, reason="Wrong period")
    again = actions.make_invoice(by=secretariat, institution=institution("rav"), **MARCH)  # the costs are free again
    assert again.number == f"{year}-0002"
    assert Invoice.objects.get(pk=invoice.pk).number == f"{year}-0001"
    assert numbers.next_number(numbers.INVOICE, year + 1) == f"{year + 1}-0001"  # a new year starts at 1
    assert numbers.next_number(numbers.INVOICE, year) == f"{year}-0003"
    assert NumberCounter.objects.get(series=numbers.INVOICE, year=year).last == 3


def test_a_draft_is_sent_then_paid(invoice, secretariat):
    sent = actions.send_invoice(invoice, by=secretariat, issued_on=datetime.date(2026, 4, 2))
    assert (sent.state, sent.issued_on, sent.due_on) == (InvoiceState.SENT, datetime.date(2026, 4, 2), datetime.date(2026, 5, 2))
    with pytest.raises(ActionRefused, match="nach ihrem Versand"):
        actions.mark_invoice_paid(sent, by=secretariat, paid_on=datetime.date(2026, 4, 1))
    paid = actions.mark_invoice_paid(sent, by=secretariat, paid_on=datetime.date(2026, 4, 20))
    assert (paid.state, paid.paid_on) == (InvoiceState.PAID, datetime.date(2026, 4, 20))
    with pytest.raises(ActionRefused, match="«Bezahlt»"):
        actions.cancel_invoice(paid, by=secretariat, reason="Too late")
    events = list(AccountingEntry.objects.filter(invoice=invoice).order_by("pk").values_list("event", flat=True))
    assert events == ["invoice_made", "invoice_sent", "invoice_paid"]


def test_a_draft_is_paid_only_once_sent(invoice, secretariat):
    with pytest.raises(ActionRefused, match="«Entwurf»"):
        actions.mark_invoice_paid(invoice, by=secretariat)


def test_a_sent_invoice_cancelled_gets_a_credit_note_of_its_own_number(invoice, secretariat):
    year = datetime.date.today().year
    actions.send_invoice(invoice, by=secretariat)
    with pytest.raises(ActionRefused) as refusal:
        actions.cancel_invoice(invoice, by=secretariat, reason="  ")
    assert refusal.value.fields == {"reason": refusal.value.reasons}
    cancelled = actions.cancel_invoice(invoice, by=secretariat, reason="Billed twice")
    note = CreditNote.objects.get(invoice=invoice)
    assert (cancelled.state, cancelled.cancel_reason) == (InvoiceState.CANCELLED, "Billed twice")
    assert (note.number, note.amount, note.reason) == (f"CN-{year}-0001", Decimal("533.35"), "Billed twice")


def test_a_draft_cancelled_needs_no_credit_note(invoice, secretariat):
    actions.cancel_invoice(invoice, by=secretariat, reason="Made by mistake")
    assert not CreditNote.objects.exists()


def test_a_sent_invoice_refuses_every_edit(invoice, secretariat):
    line = invoice.lines.first()
    actions.send_invoice(invoice, by=secretariat)
    with pytest.raises(ActionRefused, match="nie mehr geändert"):
        actions.remove_invoice_line(invoice, by=secretariat, line_id=line.pk)
    line = InvoiceLine.objects.select_related("invoice").get(pk=line.pk)
    line.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()
    invoice = Invoice.objects.get(pk=invoice.pk)
    with pytest.raises(AttributeError):  # the state is protected: only the transitions change it
        invoice.state = InvoiceState.DRAFT
    assert invoice.lines.count() == 2 and invoice.total == Decimal("533.35")


def test_a_position_taken_off_a_draft_lowers_its_total(invoice, secretariat):
    line = invoice.lines.get(cost__description="Job coaching")
    changed = actions.remove_invoice_line(invoice, by=secretariat, line_id=line.pk)
    assert changed.total == Decimal("400.00")
    assert AccountingEntry.objects.filter(event="invoice_line_removed").exists()


def test_an_assessment_cost_names_an_assessment_of_its_case(make_case, secretariat, make_cost):
    case = make_case("cm_designated", meeting_kind="assessment")
    assessment = case.meetings.get(kind="assessment")
    cost = make_cost(meeting=assessment)
    assert cost.case == case
    assert make_cost(case=case).meeting == assessment  # an assessment's cost of the case: its assessment held
    assert make_cost(case=case, kind="measure").meeting is None
    round_table = make_case("cm_designated", meeting_kind="round_table").meetings.get(kind="round_table")
    with pytest.raises(ActionRefused, match="Nur die Kosten eines Assessments"):
        make_cost(meeting=round_table)


# --- refusals by role -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "contact_person", "frontline", "legal", "steering", "outsider"])
def test_only_the_secretariat_and_the_officer_keep_the_accounting(request, role, invoice):
    user = request.getfixturevalue(role)
    attempts = [
        lambda: actions.record_cost(by=user, kind="measure", incurred_on=datetime.date(2026, 3, 1), description="x", amount=1),
        lambda: actions.make_invoice(by=user, institution=institution("ai"), **MARCH),
        lambda: actions.send_invoice(invoice, by=user),
        lambda: actions.mark_invoice_paid(invoice, by=user),
        lambda: actions.cancel_invoice(invoice, by=user, reason="x"),
        lambda: actions.set_cost_shares(by=user, valid_from=datetime.date(2027, 1, 1), shares={institution("ai"): 100}),
    ]
    for attempt in attempts:
        with pytest.raises(ActionRefused) as refusal:
            attempt()
        assert refusal.value.forbidden


def test_the_secretariat_does_not_set_the_shares(secretariat):
    with pytest.raises(ActionRefused, match="kantonale IIZ-Beauftragte führt") as refusal:
        actions.set_cost_shares(by=secretariat, valid_from=datetime.date(2026, 1, 1), shares={institution("ai"): 100})
    assert refusal.value.forbidden


def test_the_officer_may_invoice_too(officer, shares, make_cost):
    make_cost("200")
    invoice = actions.make_invoice(by=officer, institution=institution("ai"), **MARCH)
    assert actions.send_invoice(invoice, by=officer).state == InvoiceState.SENT
