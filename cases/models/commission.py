"""The legal commission (Rechtskommission / commission juridique) and the cantonal employment
fund (seed 004): the funding requests a case manager or coordinator makes for a measure, the
commission's sittings and their decisions, the fund's yearly budget and its payments and
refunds. Written only by the actions of cases/commission/actions.py.

A request goes: submitted → (returned by the officer with a reason → submitted again) → on
the agenda of a sitting → approved / rejected, or deferred (and put on a later sitting).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import Institution, User

AMOUNT = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class FundingKind(models.TextChoices):
    PRE_FINANCING = "pre_financing", _("Pre-financing")
    SUBSIDIARY = "subsidiary", _("Subsidiary financing")
    RISK = "risk", _("Risk acceptance")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted, to be checked")
    RETURNED = "returned", _("sent back to the requester")
    ON_AGENDA = "on_agenda", _("on the agenda of a sitting")
    DEFERRED = "deferred", _("deferred to a later sitting")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


# What the officer may put on the agenda of a sitting.
SCHEDULABLE = (RequestState.SUBMITTED, RequestState.DEFERRED)


class Disclosure(models.TextChoices):
    """Personal data a request may disclose to the commission, when it says why."""

    NAME = "name", _("name")
    AHV = "ahv", _("AHV number")
    ADDRESS = "address", _("address")
    SITUATION = "situation", _("situation and health (the reason for the report)")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    APPROVED_WITH_CHANGES = "approved_with_changes", _("approved with changes")
    REJECTED = "rejected", _("rejected")
    DEFERRED = "deferred", _("deferred")


APPROVING_OUTCOMES = (Outcome.APPROVED, Outcome.APPROVED_WITH_CHANGES)
OUTCOME_STATE = {
    Outcome.APPROVED: RequestState.APPROVED,
    Outcome.APPROVED_WITH_CHANGES: RequestState.APPROVED,
    Outcome.REJECTED: RequestState.REJECTED,
    Outcome.DEFERRED: RequestState.DEFERRED,
}


class SittingState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")


class Sitting(models.Model):
    """A sitting of the legal commission: when, where, its agenda (the requests put on it,
    in order) and the members present."""

    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    state = FSMField(_("state"), max_length=12, choices=SittingState.choices, default=SittingState.SCHEDULED)
    members_present = models.ManyToManyField(User, verbose_name=_("members present"), blank=True, related_name="+")
    created_by = models.ForeignKey(User, verbose_name=_("scheduled by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission sitting")
        verbose_name_plural = _("commission sittings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return _("Sitting of %(date)s") % {"date": self.held_on.strftime("%d.%m.%Y")}

    @transition(field=state, source=SittingState.SCHEDULED, target=SittingState.HELD)
    def close_sitting(self) -> None:
        """The sitting was held: its minutes are final."""


class FundingRequest(models.Model):
    """A request to the legal commission about one measure of a case: a measure of the action
    plan, or a proposed measure no catalogue holds (described in ``proposed_measure``)."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="funding_requests")
    measure = models.ForeignKey(
        "cases.Measure",
        verbose_name=_("measure of the plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funding_requests",
    )
    proposed_measure = models.CharField(
        _("proposed measure"),
        max_length=300,
        blank=True,
        help_text=_("A measure that is in no catalogue, when no plan measure is chosen."),
    )
    kind = models.CharField(_("kind of request"), max_length=16, choices=FundingKind.choices)
    amount = models.DecimalField(_("amount (CHF)"), default=Decimal("0"), **AMOUNT)
    paying_institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution expected to pay later"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Pre-financing: the institution that is expected to pay the measure later."),
    )
    no_catalogue_reason = models.TextField(
        _("why no catalogue covers it"), blank=True, help_text=_("Subsidiary financing: why no catalogue of a partner covers it.")
    )
    justification = models.TextField(_("justification"))
    disclosure = models.JSONField(_("personal data disclosed to the commission"), default=list, blank=True)
    disclosure_reason = models.TextField(
        _("why the commission needs these personal data"),
        blank=True,
        help_text=_("Only with a reason are more personal data shown to the commission."),
    )
    requester = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("state"), max_length=12, choices=RequestState.choices, default=RequestState.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"))
    returned_reason = models.TextField(_("why it was sent back"), blank=True)
    sitting = models.ForeignKey(
        Sitting, verbose_name=_("sitting"), on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    agenda_position = models.PositiveSmallIntegerField(_("position on the agenda"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("funding request")
        verbose_name_plural = _("funding requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self) -> str:
        return _("Request %(number)s (%(kind)s)") % {"number": self.number, "kind": self.get_kind_display()}

    @property
    def number(self) -> str:
        return f"FR-{self.pk}"

    @property
    def measure_name(self) -> str:
        return self.measure.name if self.measure_id else self.proposed_measure

    def clean(self) -> None:
        errors = {}
        if not self.measure_id and not self.proposed_measure.strip():
            errors["proposed_measure"] = _("Choose a measure of the plan or describe the proposed measure.")
        if self.kind in (FundingKind.PRE_FINANCING, FundingKind.SUBSIDIARY) and not self.amount:
            errors["amount"] = _("Give the amount requested.")
        if self.kind == FundingKind.PRE_FINANCING and not self.paying_institution_id:
            errors["paying_institution"] = _("Pre-financing: name the institution expected to pay later.")
        if self.kind == FundingKind.SUBSIDIARY and not self.no_catalogue_reason.strip():
            errors["no_catalogue_reason"] = _("Subsidiary financing: say why no catalogue covers the measure.")
        if not self.justification.strip():
            errors["justification"] = _("Give the justification of the request.")
        unknown = [item for item in self.disclosure if item not in Disclosure.values]
        if unknown:
            errors["disclosure"] = _("Unknown personal data.")
        if self.disclosure and not self.disclosure_reason.strip():
            errors["disclosure_reason"] = _("Say why the commission needs these personal data.")
        if errors:
            raise ValidationError(errors)

    def concerned_institutions(self) -> set[int]:
        """The institutions a decision on this request concerns: the one expected to pay and
        the one responsible for the measure (their members recuse themselves)."""
        found = {self.paying_institution_id}
        if self.measure_id:
            found.add(self.measure.responsible_institution_id)
        return {pk for pk in found if pk is not None}

    # --- the state machine -------------------------------------------------------------------

    @transition(field=state, source=RequestState.SUBMITTED, target=RequestState.RETURNED)
    def send_back(self) -> None:
        pass

    @transition(field=state, source=RequestState.RETURNED, target=RequestState.SUBMITTED)
    def resubmit(self) -> None:
        pass

    @transition(field=state, source=list(SCHEDULABLE), target=RequestState.ON_AGENDA)
    def put_on_agenda(self) -> None:
        pass

    @transition(field=state, source=RequestState.ON_AGENDA, target=RETURN_VALUE(*OUTCOME_STATE.values()))
    def decide(self, outcome: str) -> str:
        return OUTCOME_STATE[outcome]


class Decision(models.Model):
    """The commission's decision on one request at one sitting: who was present, who recused
    themselves (a member of an institution the request concerns) and what was decided."""

    request = models.ForeignKey(FundingRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="decisions")
    sitting = models.ForeignKey(Sitting, verbose_name=_("sitting"), on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=24, choices=Outcome.choices)
    amount = models.DecimalField(_("amount granted (CHF)"), null=True, blank=True, **AMOUNT)
    conditions = models.TextField(_("conditions or changes"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    members_present = models.ManyToManyField(User, verbose_name=_("members present"), related_name="+")
    recused = models.ManyToManyField(User, verbose_name=_("members recused"), blank=True, related_name="+")
    over_budget = models.BooleanField(_("decided over the remaining budget"), default=False)
    decided_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission decision")
        verbose_name_plural = _("commission decisions")
        ordering = ["sitting", "pk"]

    def __str__(self) -> str:
        return f"{self.request.number}: {self.get_outcome_display()}"

    @property
    def commits(self) -> Decimal:
        """What the decision commits of the fund."""
        return (self.amount or Decimal("0")) if self.outcome in APPROVING_OUTCOMES else Decimal("0")


class Fund(models.Model):
    """The cantonal employment fund of one year: its budget, set by the officer."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    budget = models.DecimalField(_("budget (CHF)"), **AMOUNT)
    set_by = models.ForeignKey(User, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("employment fund")
        verbose_name_plural = _("employment funds")
        ordering = ["-year"]

    def __str__(self) -> str:
        return _("Employment fund %(year)s") % {"year": self.year}


class MovementKind(models.TextChoices):
    PAYMENT = "payment", _("payment")
    REFUND = "refund", _("refund (the institution paid later)")


class FundMovement(models.Model):
    """Money the fund paid for an approved request, or got back after a pre-financing."""

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="movements")
    request = models.ForeignKey(FundingRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    amount = models.DecimalField(_("amount (CHF)"), **AMOUNT)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund movement")
        verbose_name_plural = _("fund movements")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
