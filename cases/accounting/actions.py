"""The only writers of the accounting: each action is atomic, asks the policy
(``policy.require``: the ``_user`` entries of the "accounting" section of
cases/flow/policy.py), and writes what it did to the accounting log (AccountingEntry: who,
when, the event and its parameters) in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases.accounting import figures, numbers
from cases.accounting.money import round_chf, share_of
from cases.acting import action
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import (
    AccountingEntry,
    Case,
    Cost,
    CostKind,
    CostShare,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Meeting,
    MeetingKind,
)
from roles.models import Institution, User

HUNDRED = Decimal("100")

# What each event of the accounting log says (its parameters filled in), in the reader's language.
EVENTS = {
    "shares_set": gettext_lazy("Cost shares from %(valid_from)s set"),
    "cost_recorded": gettext_lazy("Cost recorded: %(description)s, CHF %(amount)s"),
    "invoice_made": gettext_lazy("Invoice %(number)s made: CHF %(total)s"),
    "invoice_line_removed": gettext_lazy("Position removed: %(description)s"),
    "invoice_sent": gettext_lazy("Invoice %(number)s sent, due on %(due_on)s"),
    "invoice_paid": gettext_lazy("Invoice %(number)s paid on %(paid_on)s"),
    "invoice_cancelled": gettext_lazy("Invoice %(number)s cancelled: %(reason)s"),
    "credit_note_made": gettext_lazy("Credit note %(number)s made: CHF %(amount)s"),
    "conference_saved": gettext_lazy("Conference saved: %(title)s"),
    "registered": gettext_lazy("%(participant)s registered for %(title)s"),
    "unregistered": gettext_lazy("%(participant)s unregistered from %(title)s"),
}

NEVER_EDITED = gettext_lazy("A sent invoice is never edited.")


class InvoiceConflict(ActionRefused):
    """Someone else changed the invoice at the same moment; nothing was saved."""

    def __init__(self):
        super().__init__([_("Someone else changed this invoice at the same moment. Nothing was saved: please try again.")])


def log(by: User, event: str, *, invoice: Invoice | None = None, **params) -> AccountingEntry:
    """Write one entry of the accounting log (the one writer of it)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown accounting event {event!r}")
    return AccountingEntry.objects.create(user=by, event=event, invoice=invoice, params=params)


def describe(entry: AccountingEntry) -> str:
    """The entry's text in the active language."""
    return str(EVENTS[entry.event]) % entry.params


def _clean(record) -> None:
    try:
        record.full_clean()
    except ValidationError as error:
        raise ActionRefused.from_validation_error(error) from None


# --- cost shares (the officer) ---------------------------------------------------------------


@action
def set_cost_shares(*, by: User, valid_from: datetime.date, shares: Mapping[Institution, Decimal]) -> list[CostShare]:
    """The table of shares in force from ``valid_from`` (replacing a table of that same
    date): each share above 0 %, together exactly 100 %."""
    policy.require(by, "manage_cost_shares")
    given = {institution: Decimal(percent) for institution, percent in shares.items() if percent}
    if any(percent < 0 for percent in given.values()):
        raise ActionRefused([_("A share cannot be negative.")], field="shares")
    total = sum(given.values(), Decimal("0"))
    if total != HUNDRED:
        raise ActionRefused(
            [_("The shares valid from one date must sum to 100 %%; these sum to %(total)s %%.") % {"total": total}],
            field="shares",
        )
    CostShare.objects.filter(valid_from=valid_from).delete()
    rows = [CostShare(institution=inst, percent=percent, valid_from=valid_from, created_by=by) for inst, percent in given.items()]
    for row in rows:
        _clean(row)
    CostShare.objects.bulk_create(rows)
    log(
        by,
        "shares_set",
        valid_from=valid_from.isoformat(),
        shares={inst.code: str(percent) for inst, percent in given.items()},
    )
    return rows


# --- costs (the secretariat) -----------------------------------------------------------------


@action
def record_cost(
    *,
    by: User,
    kind: str,
    incurred_on: datetime.date,
    description: str,
    amount: Decimal,
    case: Case | None = None,
    meeting: Meeting | None = None,
) -> Cost:
    """A billable cost of an assessment or a measure financed through IIZ. An assessment's
    cost names the recorded assessment meeting of its case: the one given, else the case's
    latest assessment held (when there is one)."""
    policy.require(by, "record_costs")
    if meeting is not None and case is None:
        case = meeting.case
    if meeting is None and case is not None and kind == CostKind.ASSESSMENT:
        meeting = case.meetings.filter(kind=MeetingKind.ASSESSMENT, held_on__isnull=False).order_by("-held_on", "-pk").first()
    cost = Cost(
        kind=kind,
        incurred_on=incurred_on,
        description=description,
        amount=Decimal(amount),
        case=case,
        meeting=meeting,
        created_by=by,
    )
    _clean(cost)
    cost.save()
    log(by, "cost_recorded", description=description, amount=str(cost.amount), cost=cost.pk)
    return cost


# --- invoices (the secretariat; the officer too) ---------------------------------------------


@action
def make_invoice(*, by: User, institution: Institution, period_start: datetime.date, period_end: datetime.date) -> Invoice:
    """A draft invoice to ``institution`` for the costs of the period not billed to it yet,
    each at its share in force at the cost's date, rounded to 0.05 CHF. Its number is taken
    first: the year's counter stays locked until this commits, so a second invoice made at
    the same moment waits and then sees the costs billed here."""
    policy.require(by, "make_invoice")
    invoice = Invoice(institution=institution, period_start=period_start, period_end=period_end, created_by=by)
    _clean_period(invoice)
    invoice.number = numbers.next_number(numbers.INVOICE, timezone.localdate().year)
    positions = figures.billable(institution.pk, period_start, period_end)
    if not positions:
        raise ActionRefused([_("There is nothing to bill to this institution for this period.")])
    lines = [InvoiceLine(cost=cost, percent=percent, amount=share_of(cost.amount, percent)) for cost, percent in positions]
    invoice.total = round_chf(sum((line.amount for line in lines), Decimal("0")))
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    log(by, "invoice_made", invoice=invoice, number=invoice.number, total=str(invoice.total))
    return invoice


def _clean_period(invoice: Invoice) -> None:
    try:
        invoice.clean()
    except ValidationError as error:
        raise ActionRefused.from_validation_error(error) from None


def _locked(invoice: Invoice) -> Invoice:
    """The invoice as it is now, its row locked until the action commits."""
    return Invoice.objects.select_for_update().select_related("institution").get(pk=invoice.pk)


def _take(invoice: Invoice, transition: str) -> None:
    try:
        getattr(invoice, transition)()
    except TransitionNotAllowed:
        raise ActionRefused(
            [_("This is not possible while the invoice is “%(state)s”.") % {"state": InvoiceState(invoice.state).label}]
        ) from None


def _save(invoice: Invoice, fields: list[str]) -> None:
    try:
        invoice.save(update_fields=[*fields, "state"])
    except ConcurrentTransition:
        raise InvoiceConflict() from None


@action
def remove_invoice_line(invoice: Invoice, *, by: User, line_id: int) -> Invoice:
    """Take a position off a draft invoice (its cost is billed later); the total follows."""
    policy.require(by, "make_invoice")
    invoice = _locked(invoice)
    if not invoice.is_draft:
        raise ActionRefused([str(NEVER_EDITED)])
    line = invoice.lines.select_related("cost").filter(pk=line_id).first()
    if line is None:
        raise ActionRefused([_("This position is not on the invoice.")])
    line.invoice = invoice
    line.delete()
    invoice.total = round_chf(sum((amount for amount in invoice.lines.values_list("amount", flat=True)), Decimal("0")))
    invoice.save(update_fields=["total"])
    log(by, "invoice_line_removed", invoice=invoice, description=line.cost.description)
    return invoice


@action
def send_invoice(invoice: Invoice, *, by: User, issued_on: datetime.date | None = None) -> Invoice:
    """The draft goes to the institution: dated, due in IIZ_INVOICE_DAYS days, never edited again."""
    policy.require(by, "send_invoice")
    invoice = _locked(invoice)
    _take(invoice, "send")
    if not invoice.lines.exists():
        raise ActionRefused([_("An invoice without positions is not sent.")])
    invoice.issued_on = issued_on or timezone.localdate()
    invoice.due_on = invoice.issued_on + datetime.timedelta(days=settings.IIZ_INVOICE_DAYS)
    _save(invoice, ["issued_on", "due_on"])
    log(by, "invoice_sent", invoice=invoice, number=invoice.number, due_on=invoice.due_on.isoformat())
    return invoice


@action
def mark_invoice_paid(invoice: Invoice, *, by: User, paid_on: datetime.date | None = None) -> Invoice:
    policy.require(by, "mark_invoice_paid")
    invoice = _locked(invoice)
    _take(invoice, "mark_paid")
    invoice.paid_on = paid_on or timezone.localdate()
    if invoice.issued_on and invoice.paid_on < invoice.issued_on:
        raise ActionRefused([_("An invoice is paid after it was sent.")], field="paid_on")
    _save(invoice, ["paid_on"])
    log(by, "invoice_paid", invoice=invoice, number=invoice.number, paid_on=invoice.paid_on.isoformat())
    return invoice


@action
def cancel_invoice(invoice: Invoice, *, by: User, reason: str) -> Invoice:
    """Cancel a draft or a sent invoice, with a reason; a sent one gets a credit note of its
    total, with a number of its own. Its costs can be billed again; its number is never
    given again."""
    policy.require(by, "cancel_invoice")
    reason = reason.strip()
    if not reason:
        raise ActionRefused([_("Give the reason for the cancellation.")], field="reason")
    invoice = _locked(invoice)
    was_sent = invoice.state == InvoiceState.SENT
    _take(invoice, "cancel")
    invoice.cancel_reason = reason
    _save(invoice, ["cancel_reason"])
    log(by, "invoice_cancelled", invoice=invoice, number=invoice.number, reason=reason)
    if was_sent:
        note = CreditNote.objects.create(
            invoice=invoice,
            number=numbers.next_number(numbers.CREDIT_NOTE, timezone.localdate().year),
            amount=invoice.total,
            reason=reason,
            issued_on=timezone.localdate(),
            created_by=by,
        )
        log(by, "credit_note_made", invoice=invoice, number=note.number, amount=str(note.amount))
    return invoice
