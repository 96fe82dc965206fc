"""Disputes between the institutions of a case (seed 004) and their state machine.

A coordinator records a dispute: which institutions disagree, about what (competence, costs,
a measure) and a proposal. The coordinator holds a regional exchange or a coordination
meeting and records its outcome; the dispute is then settled regionally, or escalated to the
cantonal officer, who takes a position or refers it to the legal commission. The states and
who may take each transition live here (the permission from cases/flow/policy.py); the work
around a step (journal, notifications) is done by cases/disputes/actions.py, never here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.flow import policy
from roles.models import Institution, User


class DisputeSubject(models.TextChoices):
    COMPETENCE = "competence", _("Competence")
    COSTS = "costs", _("Costs")
    MEASURE = "measure", _("Measure")


class DisputeState(models.TextChoices):
    OPEN = "open", _("Open")
    EXCHANGE_HELD = "exchange_held", _("Exchange held")
    SETTLED = "settled", _("Settled regionally")
    ESCALATED = "escalated", _("Escalated to the cantonal officer")
    POSITION_TAKEN = "position_taken", _("Settled by the officer's position")
    REFERRED = "referred", _("Referred to the legal commission")
    DECIDED = "decided", _("Decided by the legal commission")


# Disputes not settled yet (the dashboard, the list of open disputes): a dispute referred to
# the legal commission stays open until the commission decides.
OPEN_DISPUTE_STATES = (DisputeState.OPEN, DisputeState.EXCHANGE_HELD, DisputeState.ESCALATED, DisputeState.REFERRED)


class ExchangeKind(models.TextChoices):
    REGIONAL_EXCHANGE = "regional_exchange", _("Regional exchange")
    COORDINATION_MEETING = "coordination_meeting", _("Coordination meeting")


class ReferralKind(models.TextChoices):
    """What the legal commission is asked to decide (the three duties of seed 004)."""

    PRE_FINANCING = "pre_financing", _("Pre-financing by the cantonal employment fund")
    SUBSIDIARY = "subsidiary", _("Subsidiary financing of a measure in no catalogue")
    RISK = "risk", _("Acceptance of risk")


def _may(name: str):
    """The transition's ``permission``: the policy's entry ``name`` on the dispute's case."""

    def check(dispute: Dispute, user: User) -> bool:
        return policy.permits(user, name, dispute.case)

    check.__name__ = f"may_{name}"
    return check


class Dispute(ConcurrentTransitionMixin, models.Model):
    """A dispute between institutions about a case, from its record to its settlement."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="disputes")
    institutions = models.ManyToManyField(Institution, verbose_name=_("institutions in dispute"), related_name="+")
    subject = models.CharField(_("about"), max_length=12, choices=DisputeSubject.choices)
    description = models.TextField(_("what the dispute is about"))
    proposal = models.TextField(_("proposal"))
    opened_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    state = FSMField(_("state"), max_length=16, choices=DisputeState.choices, default=DisputeState.OPEN, protected=True)
    # The regional exchange or coordination meeting, led by the coordinator.
    exchange_kind = models.CharField(_("kind of meeting"), max_length=24, choices=ExchangeKind.choices, blank=True)
    exchange_held_on = models.DateField(_("held on"), null=True, blank=True)
    exchange_participants = models.TextField(_("participants"), blank=True)
    exchange_outcome = models.TextField(_("outcome of the meeting"), blank=True)
    # Settled regionally, or escalated to the officer.
    settlement = models.TextField(_("settlement"), blank=True)
    escalation_reason = models.TextField(_("why it is escalated"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The officer's position, or the referral to the legal commission.
    position = models.TextField(_("the officer's position"), blank=True)
    referral_kind = models.CharField(_("request to the commission"), max_length=16, choices=ReferralKind.choices, blank=True)
    referral_amount = models.DecimalField(_("amount (CHF)"), max_digits=10, decimal_places=2, null=True, blank=True)
    referral_justification = models.TextField(_("justification for the commission"), blank=True)
    # The request the referral became on the commission's agenda (cases/commission/).
    funding_request = models.OneToOneField(
        "cases.FundingRequest",
        verbose_name=_("funding request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute",
    )
    closed_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, verbose_name=_("settled by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["case", "-opened_at", "-pk"]
        indexes = [models.Index(fields=["state", "opened_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referral_amount__isnull=True) | models.Q(referral_amount__gte=0),
                name="dispute_referral_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_subject_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DISPUTE_STATES

    def clean(self) -> None:
        today = timezone.localdate()
        if self.exchange_held_on and self.exchange_held_on > today:
            raise ValidationError({"exchange_held_on": _("The meeting is recorded once it has been held: not in the future.")})

    @transition(
        field=state, source=DisputeState.OPEN, target=DisputeState.EXCHANGE_HELD, permission=_may("record_dispute_exchange")
    )
    def hold_exchange(self):
        """Seed 004: the coordinator leads a regional exchange or a coordination meeting."""

    @transition(field=state, source=DisputeState.EXCHANGE_HELD, target=DisputeState.SETTLED, permission=_may("settle_dispute"))
    def settle(self):
        """The institutions agree at regional level."""

    @transition(
        field=state, source=DisputeState.EXCHANGE_HELD, target=DisputeState.ESCALATED, permission=_may("escalate_dispute")
    )
    def escalate(self):
        """Not settled regionally: the cantonal officer takes it up."""

    @transition(
        field=state, source=DisputeState.ESCALATED, target=DisputeState.POSITION_TAKEN, permission=_may("take_dispute_position")
    )
    def take_position(self):
        """Seed 004: the officer takes a position together with the coordinators."""

    @transition(field=state, source=DisputeState.ESCALATED, target=DisputeState.REFERRED, permission=_may("refer_dispute"))
    def refer(self):
        """Seed 004: the officer refers the dispute to the legal commission."""

    @transition(field=state, source=DisputeState.REFERRED, target=DisputeState.DECIDED, permission=_may("decide_funding"))
    def commission_decides(self):
        """The legal commission decided the request the referral became (approved, with
        changes or rejected; a deferred request keeps the dispute referred)."""


# The transition of each step of a dispute, by the name of its policy entry (the forms of the
# dispute page, cases/disputes/actions.py).
STEPS = {
    "record_dispute_exchange": "hold_exchange",
    "settle_dispute": "settle",
    "escalate_dispute": "escalate",
    "take_dispute_position": "take_position",
    "refer_dispute": "refer",
}
