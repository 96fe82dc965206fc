from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import Institution, User


class MeetingKind(models.TextChoices):
    ROUND_TABLE = "round_table", _("Round table (CII102)")
    ASSESSMENT = "assessment", _("Assessment (CII104)")
    NETWORK = "network", _("Network meeting")


class MeetingDecision(models.TextChoices):
    PENDING = "", _("not decided yet")
    CASE_MANAGEMENT = "case_management", _("Case management, with a designated case manager")
    ASSESSMENT = "assessment", _("An assessment is needed")
    NO_CASE_MANAGEMENT = "no_case_management", _("No case management needed")
    # Back to the network during implementation (a network meeting or a new assessment):
    CONTINUE_PLAN = "continue_plan", _("Continue the action plan")
    CHANGE_PLAN = "change_plan", _("Change the action plan")
    CHANGE_CM = "change_cm", _("Another case manager")
    END_SUPPORT = "end_support", _("End the support")


# The decisions of a meeting held while the case is back to the network.
NETWORK_DECISIONS = [
    MeetingDecision.CONTINUE_PLAN,
    MeetingDecision.CHANGE_PLAN,
    MeetingDecision.CHANGE_CM,
    MeetingDecision.END_SUPPORT,
]


class Meeting(models.Model):
    """A round table (RTO, form CII102) or an assessment (CII104), and what it decided.

    Following the IIZ-MAMAC model, an assessment first establishes the problems (work
    capacity, employability, social situation), then who leads and the possible actions.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    scheduled_for = models.DateTimeField(_("date and time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    work_capacity = models.PositiveSmallIntegerField(
        _("work capacity (%)"),
        null=True,
        blank=True,
        help_text=_("0 to 100, with the doctor's or the medical service's opinion below."),
    )
    medical_situation = models.TextField(_("medical situation and limitations"), blank=True)
    employability = models.TextField(_("employability on the labour market"), blank=True)
    social_situation = models.TextField(_("social and financial situation"), blank=True)
    result = models.TextField(_("result"), blank=True)
    action_options = models.TextField(_("possible actions"), blank=True)
    decision = models.CharField(_("decision"), max_length=24, choices=MeetingDecision.choices, blank=True, default="")
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    lead_institution = models.ForeignKey(
        Institution, verbose_name=_("lead institution"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    designated_cm = models.ForeignKey(
        User, verbose_name=_("designated case manager"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A network meeting or new assessment asked for by the case manager during implementation.
    requested_by = models.ForeignKey(
        User, verbose_name=_("asked for by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_reason = models.TextField(_("why it is asked for"), blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("round table or assessment")
        verbose_name_plural = _("round tables and assessments")
        ordering = ["case", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_capacity__isnull=True) | models.Q(work_capacity__lte=100),
                name="meeting_work_capacity_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on or self.scheduled_for or ''}".strip()


class MeetingParticipant(models.Model):
    """Someone at a meeting: a user of the platform, or an external person with their
    institution (a doctor, an employer, the person's representative)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("For people without an account."))
    organisation = models.CharField(_("institution or organisation"), max_length=200, blank=True)
    function = models.CharField(_("function"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(name=""), name="participant_user_or_name"),
        ]

    def __str__(self) -> str:
        return str(self.user) if self.user_id else self.name
