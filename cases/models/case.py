"""The case and the CII101 state machine.

The state machine owns the flow: states (cases/flow/states.py), which transitions leave
each state and the guards that must hold (cases/flow/guards.py); who may take each one is
the policy's (cases/flow/policy.py). The work around a transition (records, journal, side effects) is
done by the actions in cases/actions.py, never here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from cases.flow import guards, policy
from cases.flow.records import CaseRecords
from cases.flow.scope import CaseQuerySet
from cases.flow.states import CII101_STEP, FINAL_STATES, IN_PROGRESS_STATES, OPEN_STATES, CaseState  # noqa: F401  (the states, named here too)
from cases.models.closure import ExitOutcome
from cases.models.person import Person
from roles.models import Institution, Region, Theme, User

# The columns that scope and filter the statistics (cases.flow.scope.visible_to, the
# dashboard's filters): in the statistics' indexes, so that they are read from the index.
SCOPE_COLUMNS = ["region_id", "theme_id", "case_manager_id", "id"]


class ReferenceCounter(models.Model):
    """The last reference number given out per year; its row is locked while a case is
    created, so two intakes at the same moment never get the same number."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(ConcurrentTransitionMixin, models.Model):
    """One IIZ case of one person (CII101)."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases")
    reporting_institution = models.ForeignKey(
        Institution, verbose_name=_("reporting institution"), on_delete=models.PROTECT, related_name="reported_cases"
    )
    reported_by = models.ForeignKey(User, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="reported_cases")
    lead_institution = models.ForeignKey(
        Institution,
        verbose_name=_("lead institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        help_text=_("The institution that leads the case, as agreed at the round table or assessment."),
    )
    institutions = models.ManyToManyField(
        Institution,
        verbose_name=_("institutions involved"),
        related_name="cases",
        help_text=_("An IIZ case involves at least two institutions."),
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("Where the person lives."),
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        help_text=_("Youth or asylum: the case is then followed by the thematic coordinator instead of the regional one."),
    )
    reason = models.TextField(_("reason for the report"))
    coordinator = models.ForeignKey(
        User,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_cases",
    )
    case_manager = models.ForeignKey(
        User,
        verbose_name=_("case manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_cases",
    )
    state = FSMField(_("state"), max_length=32, choices=CaseState.choices, default=CaseState.REPORTED, protected=True)

    # The date of every step (set by the actions; the journal keeps the full history).
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    meeting_decided_at = models.DateTimeField(_("round table or assessment decided at"), null=True, blank=True)
    cm_designated_at = models.DateTimeField(_("case manager designated at"), null=True, blank=True)
    first_meeting_on = models.DateField(_("first meeting with the person on"), null=True, blank=True)
    plan_submitted_at = models.DateTimeField(_("plan last submitted at"), null=True, blank=True)
    plan_validated_at = models.DateTimeField(_("plan first validated at"), null=True, blank=True)
    implementation_finished_at = models.DateTimeField(_("plan finished at"), null=True, blank=True)
    exit_reported_at = models.DateTimeField(_("exit report submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    interrupted_at = models.DateTimeField(_("interrupted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Kept from the plans, reviews and powers of attorney by the actions that change them
    # (cases.deadlines.keep_dates), so that the deadlines can be counted over many cases from
    # the case's columns alone (cases.deadlines.overdue_rules_q). Derived data: not in the
    # change history.
    review_since = models.DateField(_("review period runs from"), null=True, blank=True, editable=False)
    team_review_since = models.DateField(_("team review period runs from"), null=True, blank=True, editable=False)
    poa_valid_until = models.DateField(_("power of attorney valid until"), null=True, blank=True, editable=False)

    # The institutions involved as text (their codes), kept by the actions that change them:
    # the many-to-many table has no history, this column does, so the change history shows
    # each change of the institutions involved with before and after.
    institutions_on_record = models.CharField(_("institutions involved"), max_length=300, blank=True, editable=False)

    # The exit report's outcome, recorded when the case is closed (final from then on), so
    # that the statistics count the closed cases by outcome without reading the reports.
    outcome = models.CharField(_("outcome"), max_length=16, choices=ExitOutcome.choices, blank=True, editable=False)

    # When the personal data of the closed case were removed after the retention period
    # (cases/retention): the case stays for the statistics.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["updated_at", "review_since", "team_review_since", "poa_valid_until", "anonymised_at"],
        get_user=history_user,
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [("act_as_case_manager", _("May act as the case manager (deputy)"))]
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["state", "region"]),
            models.Index(fields=["theme", "state"]),
            models.Index(fields=["case_manager", "state"]),
            models.Index(fields=["reported_by"]),
            models.Index(fields=["-reported_at"]),
            # The statistics (cases/statistics/stats.py) read from indexes alone, whatever the scope:
            # - each step's date range, with the previous step's date (the durations);
            *[
                models.Index(fields=[step, *previous, *SCOPE_COLUMNS], name=f"case_{name}_flow_idx")
                for name, step, previous in (
                    ("reported", "reported_at", []),
                    ("designated", "cm_designated_at", ["reported_at"]),
                    ("validated", "plan_validated_at", ["cm_designated_at"]),
                    ("exit", "exit_reported_at", ["plan_validated_at"]),
                    ("closed", "closed_at", ["exit_reported_at", "outcome"]),
                )
            ],
            # - the open cases, with what the deadline rules read (deadlines.overdue_rules_q).
            models.Index(
                fields=[
                    "state",
                    *SCOPE_COLUMNS,
                    "cm_designated_at",
                    "first_meeting_on",
                    "plan_submitted_at",
                    "review_since",
                    "team_review_since",
                    "poa_valid_until",
                ],
                condition=~Q(state__in=FINAL_STATES),
                name="case_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["reported", "round_table", "assessment", "no_case_management"])
                | Q(case_manager__isnull=False)
                | Q(interrupted_at__isnull=False),
                name="case_has_cm_after_designation",
            ),
            # One open case per person: a second report of someone whose case is open is
            # refused, also when two arrive at the same moment (report_case).
            models.UniqueConstraint(fields=["person"], condition=~Q(state__in=FINAL_STATES), name="case_one_open_per_person"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    # --- convenience -------------------------------------------------------------------

    @cached_property
    def records(self) -> CaseRecords:
        """The meeting, plan and exit report the flow rules read, each loaded once."""
        return CaseRecords(self)

    def refresh_records(self) -> None:
        self.__dict__.pop("records", None)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_in_progress(self) -> bool:
        return self.state in IN_PROGRESS_STATES

    @property
    def cii101_step(self) -> int:
        return CII101_STEP[CaseState(self.state)]

    def get_state_display(self) -> str:
        """The state's label. Django's own translates every state's label on each call (it
        builds a dict of the choices first): a list of cases paid a dozen translations a row."""
        return str(CaseState(self.state).label) if self.state in CaseState.values else self.state

    # --- the CII101 flow ---------------------------------------------------------------
    # Each transition: source and target state, guards (refusal messages in guards.py), who
    # may take it (the policy's entry of the same name), and a label for the buttons.

    @transition(
        field=state,
        source=CaseState.REPORTED,
        target=CaseState.ROUND_TABLE,
        permission=policy.permission("plan_round_table"),
        custom={"label": _("Organise a round table"), "step": 2},
    )
    def plan_round_table(self):
        """CII101 step 2: the coordinator chooses a round table (RTO, CII102) for a doubtful case."""

    @transition(
        field=state,
        source=[CaseState.REPORTED, CaseState.ROUND_TABLE],
        target=CaseState.ASSESSMENT,
        permission=policy.permission("plan_assessment"),
        custom={"label": _("Ask for an assessment"), "step": 2},
    )
    def plan_assessment(self):
        """CII101 step 2: the coordinator asks the secretariat for an assessment (CII104) of a
        complex case; a round table may escalate to one."""

    @transition(
        field=state,
        source=CaseState.ROUND_TABLE,
        target=CaseState.NO_CASE_MANAGEMENT,
        conditions=[guards.round_table_decided_no_cm],
        permission=policy.permission("end_without_case_management"),
        custom={"label": _("End: no case management needed"), "step": 2},
    )
    def end_without_case_management(self):
        """CII101 step 2: the round table found no need for case management (reason recorded)."""

    @transition(
        field=state,
        source=[CaseState.ROUND_TABLE, CaseState.ASSESSMENT],
        target=CaseState.CM_DESIGNATED,
        conditions=[guards.meeting_held_with_cm],
        permission=policy.permission("designate_case_manager"),
        custom={"label": _("Designate the case manager"), "step": 3},
    )
    def designate_case_manager(self):
        """CII101 step 3: the team of contact persons designates a case manager, always an IIZ
        contact person; the first meeting with the person is due within 14 days."""

    @transition(
        field=state,
        source=CaseState.CM_DESIGNATED,
        target=CaseState.PLAN_PREPARATION,
        permission=policy.permission("start_plan"),
        custom={"label": _("Record the first meeting"), "step": 4},
    )
    def start_plan(self):
        """CII101 step 4: the case manager has met the person and starts the action plan."""

    @transition(
        field=state,
        source=CaseState.PLAN_PREPARATION,
        target=CaseState.PLAN_VALIDATION,
        conditions=[guards.plan_has_goals_and_measures, guards.plan_is_signed],
        permission=policy.permission("submit_plan"),
        custom={"label": _("Submit the plan for validation"), "step": 4},
    )
    def submit_plan(self):
        """CII101 step 4: the plan signed by the person and the case manager goes to the coordinator."""

    @transition(
        field=state,
        source=CaseState.PLAN_VALIDATION,
        target=CaseState.IMPLEMENTATION,
        conditions=[guards.plan_is_signed],
        permission=policy.permission("validate_plan"),
        custom={"label": _("Validate the plan"), "step": 5},
    )
    def validate_plan(self):
        """CII101 step 5: the coordinator validates the signed plan (never its own author)."""

    @transition(
        field=state,
        source=CaseState.PLAN_VALIDATION,
        target=CaseState.PLAN_PREPARATION,
        permission=policy.permission("send_back_plan"),
        custom={"label": _("Send the plan back"), "step": 5},
    )
    def send_back_plan(self):
        """CII101 step 5: not validated; the coordinator proposes other options, back to step 4."""

    @transition(
        field=state,
        source=CaseState.IMPLEMENTATION,
        target=CaseState.NETWORK,
        permission=policy.permission("ask_network"),
        custom={"label": _("Ask for a network meeting or an assessment"), "step": 7},
    )
    def ask_network(self):
        """Seed 004 (case manager): during implementation the case manager may ask the
        coordinator for a network meeting, or even a new assessment, with a reason."""

    @transition(
        field=state,
        source=CaseState.NETWORK,
        target=CaseState.IMPLEMENTATION,
        conditions=[guards.network_decided_to_continue],
        permission=policy.permission("resume_plan"),
        custom={"label": _("Resume the plan"), "step": 6},
    )
    def resume_plan(self):
        """The network meeting or assessment decided to continue the plan (or to continue it
        with another case manager): back to implementation."""

    @transition(
        field=state,
        source=[CaseState.IMPLEMENTATION, CaseState.NETWORK],
        target=CaseState.PLAN_PREPARATION,
        conditions=[guards.network_allows_plan_change],
        permission=policy.permission("change_plan"),
        custom={"label": _("Change the plan"), "step": 8},
    )
    def change_plan(self):
        """CII101 step 8: after a review or a new event the plan changes: a new version,
        validated again."""

    @transition(
        field=state,
        source=CaseState.IMPLEMENTATION,
        target=CaseState.EXIT_REPORT,
        conditions=[guards.all_measures_ended],
        permission=policy.permission("finish_plan"),
        custom={"label": _("Finish the plan"), "step": 9},
    )
    def finish_plan(self):
        """CII101 step 9: every step of the plan is done; on to the result and exit report."""

    @transition(
        field=state,
        source=IN_PROGRESS_STATES,
        target=CaseState.EXIT_REPORT,
        permission=policy.permission("interrupt"),
        custom={"label": _("Interrupt the case"), "step": 10},
    )
    def interrupt(self):
        """The person refuses, moves away or dies: the case is interrupted and goes to the
        exit report."""

    @transition(
        field=state,
        source=CaseState.EXIT_REPORT,
        target=CaseState.AWAITING_CLOSURE,
        conditions=[guards.exit_report_complete],
        permission=policy.permission("submit_exit_report"),
        custom={"label": _("Submit the exit report"), "step": 10},
    )
    def submit_exit_report(self):
        """CII101 step 10: the case manager submits the exit report to the IIZ office."""

    @transition(
        field=state,
        source=CaseState.AWAITING_CLOSURE,
        target=CaseState.CLOSED,
        conditions=[guards.exit_report_complete],
        permission=policy.permission("close"),
        custom={"label": _("Close the case"), "step": 11},
    )
    def close(self):
        """CII101 step 11: the cantonal officer closes the dossier (letter to the person,
        archived dossier). Four eyes: never the case's own case manager."""
