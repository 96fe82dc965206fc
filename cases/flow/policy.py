"""The one policy: who may do what to which case, and why not.

Every operation on a case (each CII101 transition, each record form, each file and document
action, grants, exports, the print queue) and the few operations without a case (report a
case, the print queue, the letterhead, the dashboards, the search of the employer contacts)
has one entry here. An entry answers ``may(user, case)`` with a ``Decision`` that tells two
kinds of refusal apart:

- the role may never do this (``forbidden``): the views answer 403 with the reason;
- the case is not in a state for it: a message, not 403 (the reason says what is missing).

Who: a ``rules`` predicate over (user, case) from cases/flow/scope.py, composed with ``&``,
``|`` and ``~``. When: the case's states for the operation; for a transition, the state
machine's own source states and guards (cases/models/case.py, cases/flow/guards.py), so the
flow keeps one owner. The transitions take their ``permission`` from here, the actions
enforce ``require``, the views, buttons, links, navigation and templates ask ``may``.
docs/permissions.md lists the entries (``manage.py policy_table`` writes the table, a test
compares them), and tests/cases/test_flow_policy.py draws its cases from this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import rules
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.flow.scope import (
    can_correct_case,
    coordinates,
    has_casework_role,
    has_intake_role,
    has_no_case_manager,
    is_active_user,
    is_commission_member,
    is_contact_person,
    is_coordinator,
    is_officer,
    is_secretariat,
    is_steering,
    manages,
    reads_only,
    sees_case,
    works_for_an_institution,
)
from cases.flow.states import FINAL_STATES, IN_PROGRESS_STATES, OPEN_STATES, CaseState

if TYPE_CHECKING:
    from cases.models import Case
    from roles.models import User


class ActionRefused(Exception):
    """The user may not do this now; ``reasons`` say why (shown to the user). ``forbidden``:
    the role does not allow it (403), as opposed to a rule of the case not met. ``fields``:
    the reasons that are about one input of the action, by its name (a keyword argument of
    the action or a field of the record it saves): a form page shows them next to its field
    of that name, and the other reasons above the form."""

    def __init__(self, reasons: Iterable[str], *, forbidden: bool = False, field: str = ""):
        self.reasons = [str(r) for r in reasons]
        self.forbidden = forbidden
        self.fields: dict[str, list[str]] = {field: list(self.reasons)} if field else {}
        super().__init__("; ".join(self.reasons))

    @classmethod
    def on_fields(cls, fields: Mapping[str, Iterable[str]]) -> ActionRefused:
        """A refusal whose every reason is about the input it is listed under."""
        refusal = cls([reason for reasons in fields.values() for reason in reasons])
        refusal.fields = {name: [str(reason) for reason in reasons] for name, reasons in fields.items()}
        return refusal

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> ActionRefused:
        """A record's validation error (``full_clean`` in an action) as a refusal that keeps
        the fields it names."""
        if not hasattr(error, "error_dict"):
            return cls(error.messages)
        refusal = cls(error.messages)
        refusal.fields = {name: messages for name, messages in error.message_dict.items() if name != NON_FIELD_ERRORS}
        return refusal


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed, or refused with the reasons and whether the role may
    never do it (``forbidden``: 403) or the case is not in a state for it."""

    allowed: bool
    reasons: tuple[str, ...] = ()
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)

    def refusal(self) -> ActionRefused:
        return ActionRefused(self.reasons, forbidden=self.forbidden)


ALLOWED = Decision(True)


@rules.predicate
def wrote_current_plan(user: User, case: Case) -> bool:
    """Four eyes: whoever wrote the plan version under validation cannot validate it."""
    plan = case.records.current_plan
    return plan is not None and plan.author_id == user.pk


@rules.predicate
def is_network_meeting(user: User, case: Case) -> bool:
    """The meeting being organised is a network meeting, which the coordinator organises;
    the secretariat organises round tables and assessments (seed 004)."""
    from cases.models import MeetingKind

    meeting = case.records.last_meeting
    return case.state == CaseState.NETWORK and meeting is not None and meeting.kind == MeetingKind.NETWORK


# The operations of a case the same roles may do to its files: the secretariat (which
# prints, collects and files the documents), the case's case manager and coordinator, the
# cantonal officer.
files_documents = rules.Predicate(is_secretariat | is_officer | manages | coordinates, name="files_documents")

CLOSED = _("This case is closed: it can no longer be changed.")
READ_ONLY = _("You were given read access to this case: you can read it, not change it.")
MAY_NOT_FILE = _(
    "Only the secretariat, the case manager, the coordinator or the cantonal officer files and withdraws documents of a case."
)
NOT_FINAL = tuple(OPEN_STATES)
# While a case manager steers the case: from the designation to the exit report.
# While a case waits for its round table, assessment or network meeting.
MEETING_STATES = (CaseState.ROUND_TABLE, CaseState.ASSESSMENT, CaseState.NETWORK)
REPLACEABLE_CM = (
    CaseState.CM_DESIGNATED,
    CaseState.PLAN_PREPARATION,
    CaseState.PLAN_VALIDATION,
    CaseState.IMPLEMENTATION,
    CaseState.NETWORK,
    CaseState.EXIT_REPORT,
)


@dataclass(frozen=True)
class Operation:
    """One entry of the policy. ``states``: the case's states for it (None: any, or no case
    at all); a transition (``is_step``) takes its states and guards from the state machine.

    ``writes``: the operation changes the case (all but reading it, its history and its
    access log). Two rules hold for every such operation, whatever its entry says: a user
    whom only a read-only grant lets see the case (``reads_only``) may not do it, and a closed
    case refuses it, unless the entry is one the closure itself defines (``after_closure``:
    filing the copy of the closure letter, and revoking access, which only narrows it)."""

    name: str
    who: rules.Predicate
    refusal: Promise
    states: tuple[str, ...] | None = None
    not_now: Promise | str = ""
    is_step: bool = False
    needs_case: bool = True
    summary: Promise | str = ""  # who, in a few words (the process diagram)
    writes: bool = True
    after_closure: bool = False

    def only_reads(self, user: User, case: Case | None) -> bool:
        """A write to a case the user reaches only through a read-only grant."""
        return self.writes and case is not None and bool(reads_only.test(user, case))

    def permits(self, user: User, case: Case | None = None) -> bool:
        """The role part alone: may this user ever do it to this case?"""
        return bool(self.who.test(user, case)) and not self.only_reads(user, case)

    def in_state(self, case: Case) -> bool:
        if self.writes and self.needs_case and not self.after_closure and case.state in FINAL_STATES:
            return False
        if self.is_step:
            from cases.flow.machine import step

            return case.state in step(self.name).sources
        return self.states is None or case.state in self.states

    def may(self, user: User, case: Case | None = None, *, conditions: bool = True) -> Decision:
        if not self.permits(user, case):
            reason = READ_ONLY if self.only_reads(user, case) else self.refusal
            return Decision(False, (str(reason),), forbidden=True)
        if case is None:
            return ALLOWED
        if not self.in_state(case):
            # A closed case says so, whatever the operation; otherwise the entry's own reason.
            text = str(CLOSED if case.state in FINAL_STATES else self.not_now)
            if self.is_step and not text:
                state = CaseState(case.state).label
                text = gettext("This step is not possible while the case is in the state “%(state)s”.") % {"state": state}
            return Decision(False, (text,))
        if self.is_step and conditions:
            from cases.flow.machine import step

            unmet = step(self.name).unmet(case)
            if unmet:
                return Decision(False, tuple(unmet))
        return ALLOWED


def _step(name: str, who: rules.Predicate, summary: Promise, refusal: Promise, not_now: Promise | str = "") -> Operation:
    return Operation(name, who, refusal, not_now=not_now, is_step=True, summary=summary)


def _user(name: str, who: rules.Predicate, refusal: Promise) -> Operation:
    return Operation(name, who, refusal, needs_case=False)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        # --- the CII101 transitions (states and guards: the state machine) ---------------
        _step("plan_round_table", coordinates, _("Coordinator"), _("Only the case's coordinator organises a round table.")),
        _step("plan_assessment", coordinates, _("Coordinator"), _("Only the case's coordinator asks for an assessment.")),
        _step(
            "end_without_case_management",
            coordinates,
            _("Coordinator"),
            _("Only the case's coordinator ends a case after the round table."),
        ),
        _step(
            "designate_case_manager",
            coordinates,
            _("Coordinator, with the team of contact persons"),
            _("Only the case's coordinator designates the case manager."),
        ),
        _step(
            "start_plan",
            manages,
            _("Case manager"),
            _("Only the case's case manager records the first meeting with the person."),
            _("The first meeting is recorded once, right after the case manager is designated."),
        ),
        _step("submit_plan", manages, _("Case manager"), _("Only the case's case manager submits the action plan.")),
        _step(
            "validate_plan",
            coordinates & ~wrote_current_plan,
            _("Coordinator (not the author of the plan)"),
            _("Only the case's coordinator validates an action plan, and never a version they wrote."),
        ),
        _step("send_back_plan", coordinates, _("Coordinator"), _("Only the case's coordinator sends an action plan back.")),
        _step("change_plan", manages, _("Case manager"), _("Only the case's case manager changes the action plan.")),
        _step(
            "ask_network",
            manages,
            _("Case manager"),
            _("Only the case manager asks for a network meeting or a new assessment."),
            _("A network meeting or a new assessment is asked for while the plan is implemented."),
        ),
        _step(
            "resume_plan",
            coordinates,
            _("Coordinator"),
            _("Only the case's coordinator resumes the plan after the network meeting or assessment."),
        ),
        _step("finish_plan", manages, _("Case manager"), _("Only the case's case manager finishes the action plan.")),
        _step(
            "interrupt",
            coordinates | manages,
            _("Coordinator or case manager"),
            _("Only the coordinator or the case manager interrupts a case."),
            _("Only a case in progress can be interrupted."),
        ),
        _step(
            "submit_exit_report",
            manages | (has_no_case_manager & coordinates),
            _("Case manager (the coordinator when there is none)"),
            _("Only the case manager submits the exit report."),
        ),
        _step(
            "close",
            is_officer & ~manages,
            _("Cantonal IIZ officer (not the case's own case manager)"),
            _("Only the cantonal IIZ officer closes a case, and never as its own case manager."),
            _("A case is closed once its exit report has been submitted."),
        ),
        # --- the case itself: its facts, the person, its case manager ----------------------
        Operation(
            "edit_person",
            can_correct_case,
            _(
                "Only the coordinator, the case manager and the cantonal officer correct the person's data (the reporter too, until the round table)."
            ),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "edit_case_facts",
            can_correct_case,
            _(
                "Only the coordinator, the case manager and the cantonal officer correct the facts of a case (the reporter too, until the round table)."
            ),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "replace_case_manager",
            coordinates,
            _("Only the case's coordinator, with the team of contact persons, designates another case manager."),
            REPLACEABLE_CM,
            _("A case manager is replaced once one has been designated and while the support runs."),
        ),
        # --- the records of the steps ----------------------------------------------------
        Operation(
            "record_meeting",
            coordinates | (is_secretariat & ~is_network_meeting),
            _(
                "Only the coordinator or the secretariat records round tables and assessments, and only the coordinator network meetings."
            ),
            (CaseState.ROUND_TABLE, CaseState.ASSESSMENT, CaseState.NETWORK),
            _("Round tables and assessments are recorded while the case is at that step."),
        ),
        Operation(
            "edit_plan",
            manages,
            _("Only the case's case manager edits the action plan."),
            (CaseState.PLAN_PREPARATION,),
            _("The action plan can be edited only while it is in preparation."),
        ),
        # The resources data sheet (cases.models.ResourcesSheet), one rule for every page
        # that carries it: the coordinator or the secretariat records it with the round
        # table or assessment, the case manager keeps it up to date with the plan and at the
        # reviews (the coordinator at a team review), and its own page (cases:resources)
        # lets the same roles update it in between. Not while a plan waits for validation
        # (it is printed with the plan), nor once the support has ended.
        Operation(
            "edit_resources",
            coordinates | is_secretariat | manages,
            _("Only the coordinator, the secretariat or the case manager records the resources data sheet."),
            (CaseState.ROUND_TABLE, CaseState.ASSESSMENT, CaseState.PLAN_PREPARATION, CaseState.IMPLEMENTATION),
            _(
                "The resources data sheet is recorded at the round table or assessment, "
                "with the action plan and during its implementation."
            ),
        ),
        Operation(
            "record_review_with_person",
            manages,
            _("Only the case manager holds the reviews with the person."),
            (CaseState.IMPLEMENTATION,),
            _("Reviews are recorded while the plan is implemented."),
        ),
        Operation(
            "record_team_review",
            coordinates | manages,
            _("Only the case manager or the coordinator records reviews."),
            (CaseState.IMPLEMENTATION,),
            _("Reviews are recorded while the plan is implemented."),
        ),
        Operation(
            "decide_at_review",
            manages,
            _("Only the case manager decides to change or finish the plan."),
            (CaseState.IMPLEMENTATION,),
            _("Reviews are recorded while the plan is implemented."),
        ),
        Operation(
            "record_power_of_attorney",
            manages | coordinates,
            _("Only the case manager or the coordinator records a power of attorney."),
            tuple(IN_PROGRESS_STATES),
            _("A power of attorney is recorded while the case is in progress."),
        ),
        Operation(
            "write_exit_report",
            manages | (has_no_case_manager & coordinates),
            _("Only the case manager writes the exit report, at the end of the support."),
            (CaseState.EXIT_REPORT,),
            _("The exit report is written when the plan is finished or the case interrupted."),
        ),
        Operation(
            "write_journal",
            coordinates | manages | is_officer | is_secretariat | is_contact_person,
            _("Your role does not allow writing in this case's journal."),
            NOT_FINAL,
            CLOSED,
        ),
        # --- scheduling: meetings with a date, invitations and the checklist ---------------
        # The secretariat organises the round tables and assessments of a case (seed 004),
        # the coordinator the network meetings (cases/scheduling/): schedule, reschedule,
        # cancel and mark as held. The checklist before the meeting: the secretariat or the
        # coordinator; the replies of the invited: whoever organises.
        Operation(
            "schedule_meeting",
            (is_secretariat & ~is_network_meeting) | (coordinates & is_network_meeting),
            _("Only the secretariat schedules round tables and assessments, and only the case's coordinator network meetings."),
            MEETING_STATES,
            _("A meeting is scheduled while the case waits for its round table, assessment or network meeting."),
        ),
        Operation(
            "tick_checklist",
            is_secretariat | coordinates,
            _("Only the secretariat or the case's coordinator ticks the checklist before a meeting."),
            MEETING_STATES,
            _("The checklist is ticked while the case waits for its meeting."),
        ),
        Operation(
            "record_reply",
            is_secretariat | coordinates,
            _("Only the secretariat or the case's coordinator records the replies to an invitation."),
            MEETING_STATES,
            _("Replies are recorded while the case waits for its meeting."),
        ),
        # --- files and documents ---------------------------------------------------------
        Operation("read_case", sees_case, _("This case is not in your scope."), writes=False),
        Operation(
            "file_documents",
            files_documents,
            MAY_NOT_FILE,
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "file_closure_letter_copy",
            files_documents,
            MAY_NOT_FILE,
            (CaseState.CLOSED,),
            _("The copy of the closure letter is filed once the case is closed."),
            after_closure=True,
        ),
        Operation(
            "withdraw_file",
            files_documents,
            MAY_NOT_FILE,
            NOT_FINAL,
            CLOSED,
        ),
        # --- audit, access and the right of access ---------------------------------------
        Operation(
            "view_history",
            is_officer | coordinates | manages,
            _("Only the cantonal IIZ officer, the coordinator and the case manager of the case read its change history."),
            writes=False,
        ),
        Operation(
            "view_access_log", is_officer, _("Only the cantonal IIZ officer reads the access log of a case."), writes=False
        ),
        Operation(
            "give_access",
            coordinates | is_officer,
            _("Only the coordinator of the case or the cantonal officer gives access."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "revoke_access",
            coordinates | is_officer,
            _("Only the coordinator of the case or the cantonal officer revokes access."),
            after_closure=True,
        ),
        # --- retention (cases/retention): the officer keeps an ended case past its period -
        Operation(
            "hold_retention",
            is_officer,
            _("Only the cantonal IIZ officer keeps a case past its retention period."),
            tuple(FINAL_STATES),
            _("Only an ended case is kept past its retention period."),
            after_closure=True,
        ),
        Operation(
            "release_retention",
            is_officer,
            _("Only the cantonal IIZ officer lifts the hold of a case's retention."),
            tuple(FINAL_STATES),
            _("Only an ended case is kept past its retention period."),
            after_closure=True,
        ),
        _user(
            "view_retention",
            is_officer,
            _("Only the cantonal IIZ officer sees the cases due for anonymisation."),
        ),
        _user(
            "export_person",
            is_officer,
            _("Only the cantonal IIZ officer exports everything recorded about a person (right of access)."),
        ),
        # --- the legal commission and the fund (cases/commission/) --------------------------
        # A funding request is made on a case by its case manager or coordinator, who follow
        # it with the cantonal officer. The officer checks it, sends it back or puts it on
        # the agenda of a sitting; the commission's members see the sittings and the requests
        # on them (pseudonymised, never the case) and decide (a member of an institution the
        # request concerns is refused by the action: recusal). The officer keeps the fund;
        # the secretariat reads it.
        Operation(
            "request_funding",
            manages | coordinates,
            _("Only the case manager or the coordinator of the case asks the legal commission for funding."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "follow_funding",
            is_officer | manages | coordinates,
            _("Only the cantonal officer, the case manager and the coordinator of the case follow its funding requests."),
            writes=False,
        ),
        _user(
            "prepare_sittings",
            is_officer,
            _("Only the cantonal officer checks the funding requests and prepares the sittings of the legal commission."),
        ),
        _user(
            "view_sittings",
            is_commission_member | is_officer,
            _("Only the members of the legal commission and the cantonal officer see its sittings."),
        ),
        _user("decide_funding", is_commission_member, _("Only the members of the legal commission decide funding requests.")),
        _user(
            "view_fund",
            is_officer | is_secretariat,
            _("Only the cantonal officer and the secretariat see the employment fund."),
        ),
        _user(
            "manage_fund",
            is_officer,
            _("Only the cantonal officer sets the fund's budget and records its payments and refunds."),
        ),
        # --- disputes (seed 004): between the institutions of a case ---------------------
        # The coordinator records a dispute and leads the regional exchange or coordination
        # meeting that should settle it; not settled, it goes to the cantonal officer, who
        # takes a position or refers it to the legal commission (cases/disputes/). The
        # dispute's own state is its state machine's (cases/models/disputes.py).
        Operation(
            "record_dispute",
            coordinates,
            _("Only the case's coordinator records a dispute between institutions."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "record_dispute_exchange",
            coordinates,
            _("Only the case's coordinator records the exchange or coordination meeting of a dispute."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "settle_dispute",
            coordinates,
            _("Only the case's coordinator records that a dispute is settled regionally."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "escalate_dispute",
            coordinates,
            _("Only the case's coordinator escalates a dispute to the cantonal officer."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "take_dispute_position",
            is_officer,
            _("Only the cantonal IIZ officer takes a position in an escalated dispute."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "refer_dispute",
            is_officer,
            _("Only the cantonal IIZ officer refers a dispute to the legal commission."),
            NOT_FINAL,
            CLOSED,
        ),
        Operation(
            "view_disputes",
            coordinates | is_officer | manages,
            _("Only the coordinator, the cantonal officer and the case manager of the case read its disputes."),
            writes=False,
        ),
        # --- without a case --------------------------------------------------------------
        _user("report_case", has_intake_role, _("Your role does not allow reporting cases.")),
        _user("list_cases", has_casework_role, _("Your role gives no access to individual cases.")),
        # The bell's page: every signed-in user has their own (nobody sees another's).
        _user("view_notifications", is_active_user, _("Only a signed-in user reads their notifications.")),
        _user("mark_notifications_read", is_active_user, _("Only a signed-in user marks their notifications read.")),
        # My tasks (cases/worklists.py): every role that has a list of work there, the legal
        # commission with its requests to decide.
        _user("view_my_tasks", has_casework_role | is_commission_member, _("Your role has no list of tasks.")),
        _user(
            "view_dashboard",
            has_casework_role,
            _("Your role gives no access to individual cases, so there is no dashboard for it."),
        ),
        _user(
            "view_statistics",
            is_steering | is_officer | is_secretariat,
            _("The statistics are for the steering boards, the cantonal officer and the secretariat."),
        ),
        _user(
            "see_all_figures", is_officer | is_secretariat, _("Only the cantonal officer and the secretariat see all figures.")
        ),
        _user(
            "use_print_queue",
            is_secretariat | is_officer,
            _("Only the secretariat and the cantonal officer use the print queue."),
        ),
        _user("edit_letterhead", is_officer, _("Only the cantonal officer changes the letterhead.")),
        # The way back for a user locked out after failed logins, before the cool-off ends (iiz/lockout.py).
        _user("unlock_logins", is_officer, _("Only the cantonal IIZ officer lifts login lock-outs.")),
        # The roles that write or validate action plans (CII101 steps 4, 5): the contact
        # persons (a case manager is always one), the coordinators, the cantonal officer and
        # the secretariat, which prepares the assessments. Front-line workers report cases
        # and write no plan; the boards see no case.
        _user(
            "search_employers",
            is_contact_person | is_coordinator | is_officer | is_secretariat,
            _(
                "Only the IIZ contact persons, the coordinators, the cantonal officer and the secretariat search the partners' employer contacts."
            ),
        ),
        # The open disputes of the cases the user sees (the list and the dashboard's figures).
        _user(
            "list_disputes",
            is_officer | is_coordinator,
            _("Only the cantonal officer and the coordinators follow the disputes."),
        ),
        # --- scheduling without a case: a coordinator's round-table sessions and yearly
        # meetings with the region's contact persons; everyone's calendar.
        _user(
            "organise_session",
            is_coordinator,
            _("Only a coordinator organises round-table sessions."),
        ),
        _user(
            "organise_yearly_meeting",
            is_coordinator,
            _("Only a coordinator organises the yearly meeting with the contact persons."),
        ),
        _user("view_calendar", is_active_user, _("Your account is not active.")),
        # --- accounting (cases/accounting/): the costs billed to the institutions --------
        # The officer maintains the table of the institutions' shares; the secretariat keeps
        # the accounting and invoices the institutions (seed 004), the officer may too.
        _user("manage_cost_shares", is_officer, _("Only the cantonal officer maintains the institutions' cost shares.")),
        _user(
            "record_costs",
            is_secretariat | is_officer,
            _("Only the secretariat and the cantonal officer record the costs billed to the institutions."),
        ),
        _user("make_invoice", is_secretariat | is_officer, _("Only the secretariat and the cantonal officer make invoices.")),
        _user("send_invoice", is_secretariat | is_officer, _("Only the secretariat and the cantonal officer send invoices.")),
        _user(
            "mark_invoice_paid",
            is_secretariat | is_officer,
            _("Only the secretariat and the cantonal officer record payments."),
        ),
        _user("cancel_invoice", is_secretariat | is_officer, _("Only the secretariat and the cantonal officer cancel invoices.")),
        _user(
            "view_accounting",
            is_secretariat | is_officer,
            _("The accounting and its exports are for the secretariat and the cantonal officer."),
        ),
        # --- conferences (Tagungen) the secretariat organises -------------------------------
        _user(
            "organise_conferences",
            is_secretariat | is_officer,
            _("Only the secretariat and the cantonal officer organise conferences and register others."),
        ),
        _user(
            "register_for_conference",
            works_for_an_institution | is_secretariat | is_officer,
            _("Only the staff of the partner institutions register for a conference."),
        ),
        _user(
            "print_participants",
            is_secretariat | is_officer,
            _("Only the secretariat and the cantonal officer print the list of participants."),
        ),
        _user(
            "manage_reference_data",
            is_officer,
            _("Only the cantonal officer manages the catalogue of measures and the employer contacts in the administration."),
        ),
    ]
}

# The operation that records each kind of review (cases.models.ReviewKind).
REVIEW_OPERATIONS = {"with_person": "record_review_with_person", "team": "record_team_review"}


def operation(name: str) -> Operation:
    return OPERATIONS[name]


def may(user: User, name: str, case: Case | None = None) -> Decision:
    """May ``user`` do operation ``name`` (to ``case``) now? With the reasons if not."""
    return OPERATIONS[name].may(user, case)


def permits(user: User, name: str, case: Case | None = None) -> bool:
    """The role part alone (the case's state aside)."""
    return OPERATIONS[name].permits(user, case)


def require(user: User, name: str, case: Case | None = None, *, conditions: bool = True) -> None:
    """Raise ActionRefused with the policy's reasons unless ``user`` may do ``name`` now
    (used by the actions). ``conditions=False``: a transition's guards are left to the state
    machine, which checks them when the transition is taken."""
    decision = OPERATIONS[name].may(user, case, conditions=conditions)
    if not decision:
        raise decision.refusal()


def permission(name: str):
    """The ``permission`` callable of transition ``name`` (case, user) on the model."""

    def check(case: Case, user: User) -> bool:
        return OPERATIONS[name].permits(user, case)

    check.__name__ = f"may_{name}"
    return check


def review_kinds(user: User, case: Case) -> list[str]:
    """The kinds of review ``user`` may record on ``case`` now."""
    return [kind for kind, name in REVIEW_OPERATIONS.items() if OPERATIONS[name].may(user, case)]


def _when(op: Operation) -> str:
    if op.is_step:
        from cases.flow.machine import step

        s = step(op.name)
        guards = ", ".join(f"`{g.__name__}`" for g in s.conditions)
        sources = ", ".join(f"`{state}`" for state in sorted(s.sources, key=list(CaseState).index))
        return f"from {sources}" + (f"; guards: {guards}" if guards else "")
    if not op.needs_case:
        return "(no case)"
    if op.states is None:
        return "any state, closed included" if op.after_closure else "any state" if not op.writes else "not final"
    if tuple(op.states) == NOT_FINAL:
        return "not final"
    return ", ".join(f"`{state}`" for state in op.states)


def policy_table() -> str:
    """The policy as the Markdown table of docs/permissions.md, in English (the msgids)."""
    from django.utils import translation

    lines = [
        "| operation | who may (predicates of cases/flow/scope.py) | when | refused (403) with |",
        "|---|---|---|---|",
    ]
    with translation.override(None):
        for op in OPERATIONS.values():
            who = op.who.name.replace("|", "\\|")  # a pipe inside a table cell
            lines.append(f"| `{op.name}` | `{who}` | {_when(op)} | {op.refusal} |")
    return "\n".join(lines) + "\n"
