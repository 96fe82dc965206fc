"""The IIZ accounting (seed 004: the secretariat keeps the accounting and invoices the
institutions): the cost shares the officer maintains, the billable costs, the invoices with
their positions and credit notes, the per-year number counters, and the accounting log.

The rules of the money (rounding to 0.05 CHF, the shares in force at a date, the numbers)
and every change live in cases/accounting/; the tables here hold only their own fields'
rules and the invoice's states.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from roles.models import Institution, User

MONEY = {"max_digits": 12, "decimal_places": 2}


class CostShare(models.Model):
    """The share of the billable costs an institution bears, in percent, from ``valid_from``
    on. The rows with the same ``valid_from`` form one table, which sums to 100 %; the table
    in force at a date is the latest one from before or on that date."""

    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    valid_from = models.DateField(_("valid from"))
    created_by = models.ForeignKey(User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost share")
        verbose_name_plural = _("cost shares")
        ordering = ["-valid_from", "institution__code"]
        constraints = [models.UniqueConstraint(fields=["valid_from", "institution"], name="cost_share_once_per_table")]

    def __str__(self) -> str:
        return f"{self.institution}: {self.percent} % ({self.valid_from})"


class CostKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    MEASURE = "measure", _("Measure financed through IIZ")


class Cost(models.Model):
    """A billable cost: an assessment or a measure financed through IIZ, entered by the
    secretariat, billed to the institutions by their shares in force at its date."""

    kind = models.CharField(_("kind"), max_length=12, choices=CostKind.choices)
    incurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount (CHF)"), validators=[MinValueValidator(Decimal("0.05"))], **MONEY)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="costs"
    )
    # The recorded assessment the cost is the price of (an assessment of the same case).
    meeting = models.ForeignKey(
        "cases.Meeting", verbose_name=_("assessment"), on_delete=models.PROTECT, null=True, blank=True, related_name="costs"
    )
    created_by = models.ForeignKey(User, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["-incurred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.incurred_on} {self.description} CHF {self.amount}"

    def clean(self) -> None:
        from cases.models.meetings import MeetingKind

        if self.meeting_id is not None:
            if self.meeting.kind != MeetingKind.ASSESSMENT:
                raise ValidationError({"meeting": _("Only an assessment's cost is linked to a meeting.")})
            if self.case_id is not None and self.meeting.case_id != self.case_id:
                raise ValidationError({"meeting": _("The assessment is of another case.")})


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_INVOICE_STATES = (InvoiceState.DRAFT, InvoiceState.SENT, InvoiceState.PAID)


class NumberCounter(models.Model):
    """The last number given out per series (invoices, credit notes) and year; its row is
    locked (SELECT ... FOR UPDATE) while a number is taken, so two invoices made at the same
    moment never get the same one, and a number once taken is never given again."""

    series = models.CharField(max_length=12)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_counter_once")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Invoice(ConcurrentTransitionMixin, models.Model):
    """An invoice to one institution for the costs of a period: drafted, sent (never edited
    from then on), paid, or cancelled with a reason (and a credit note once it was sent)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    state = FSMField(_("state"), default=InvoiceState.DRAFT, choices=InvoiceState.choices, protected=True)
    total = models.DecimalField(_("total (CHF)"), default=Decimal("0.00"), **MONEY)
    issued_on = models.DateField(_("invoice date"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-number"]
        indexes = [models.Index(fields=["state", "due_on"], name="invoice_state_due")]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})

    @property
    def is_draft(self) -> bool:
        return self.state == InvoiceState.DRAFT

    @transition(field=state, source=InvoiceState.DRAFT, target=InvoiceState.SENT)
    def send(self):
        """The invoice goes to the institution: from now on it is never edited."""

    @transition(field=state, source=InvoiceState.SENT, target=InvoiceState.PAID)
    def mark_paid(self):
        """The institution paid it."""

    @transition(field=state, source=[InvoiceState.DRAFT, InvoiceState.SENT], target=InvoiceState.CANCELLED)
    def cancel(self):
        """Cancelled with a reason; a sent invoice gets a credit note for its total."""


class InvoiceLine(models.Model):
    """One position of an invoice: a cost times the institution's share in force at the
    cost's date, the amount rounded to 0.05 CHF. Written with its draft invoice, never after."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")
    cost = models.ForeignKey(Cost, verbose_name=_("cost"), on_delete=models.PROTECT, related_name="invoice_lines")
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("amount (CHF)"), **MONEY)

    class Meta:
        verbose_name = _("invoice position")
        verbose_name_plural = _("invoice positions")
        ordering = ["invoice", "cost__incurred_on", "cost_id"]
        constraints = [models.UniqueConstraint(fields=["invoice", "cost"], name="invoice_line_once")]

    def __str__(self) -> str:
        return f"{self.cost_id}: {self.percent} % = {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if self.invoice.state != InvoiceState.DRAFT:
            raise ValidationError(_("A sent invoice is never edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.invoice.state != InvoiceState.DRAFT:
            raise ValidationError(_("A sent invoice is never edited."))
        return super().delete(*args, **kwargs)


class CreditNote(models.Model):
    """The credit note of a sent invoice that was cancelled: its own number, the invoice's
    total and the reason."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    invoice = models.OneToOneField(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_note")
    amount = models.DecimalField(_("amount (CHF)"), **MONEY)
    reason = models.TextField(_("reason"))
    issued_on = models.DateField(_("date"))
    created_by = models.ForeignKey(User, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")

    def __str__(self) -> str:
        return self.number


class AccountingEntry(models.Model):
    """The accounting log: who did what to the cost shares, costs, invoices and
    conferences, and when (append-only; an event code and its parameters)."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    user = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    event = models.CharField(_("event"), max_length=40)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="log")
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("accounting log entry")
        verbose_name_plural = _("accounting log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("The accounting log is append-only.")
        super().save(*args, **kwargs)
