"""The rules of the process sheet that must hold before a transition (its conditions).

Each guard takes the case and answers True or False; its ``message`` tells the user why a
transition is refused. They read the case's records through the cached accessors of
Case (current_plan, last_meeting, exit report), so a page that checks all of them runs a
fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cases.models import Case


def guard(message):
    def wrap(function: Callable[[Case], bool]):
        function.message = message
        return function

    return wrap


@guard(_("The round table must be held and have decided that no case management is needed, with a reason."))
def round_table_decided_no_cm(case: Case) -> bool:
    from cases.models import MeetingDecision, MeetingKind

    meeting = case.records.last_meeting
    return bool(
        meeting
        and meeting.kind == MeetingKind.ROUND_TABLE
        and meeting.held_on
        and meeting.decision == MeetingDecision.NO_CASE_MANAGEMENT
        and meeting.decision_reason.strip()
    )


@guard(_("The round table or assessment must be held and name a case manager who is an IIZ contact person."))
def meeting_held_with_cm(case: Case) -> bool:
    from cases.flow.scope import can_be_case_manager
    from cases.models import MeetingDecision

    meeting = case.records.last_meeting
    if not (meeting and meeting.held_on and meeting.decision == MeetingDecision.CASE_MANAGEMENT and meeting.designated_cm_id):
        return False
    return bool(can_be_case_manager.test(meeting.designated_cm))


@guard(_("The network meeting or assessment must be held and decide to continue the plan, or name another case manager."))
def network_decided_to_continue(case: Case) -> bool:
    from cases.models import MeetingDecision

    meeting = case.records.last_meeting
    if not (meeting and meeting.held_on):
        return False
    if meeting.decision == MeetingDecision.CHANGE_CM:
        return bool(meeting.designated_cm_id)
    return meeting.decision == MeetingDecision.CONTINUE_PLAN


@guard(_("Back to the network, the plan changes once the network meeting or assessment has decided so."))
def network_allows_plan_change(case: Case) -> bool:
    from cases.models import CaseState, MeetingDecision

    if case.state != CaseState.NETWORK:
        return True
    meeting = case.records.last_meeting
    return bool(meeting and meeting.held_on and meeting.decision == MeetingDecision.CHANGE_PLAN)


@guard(_("The action plan needs at least one goal and one measure."))
def plan_has_goals_and_measures(case: Case) -> bool:
    plan = case.records.current_plan
    return bool(plan and plan.goals_list and plan.measures_list)


@guard(_("The action plan must be signed by the person and by the case manager (dates of both signatures)."))
def plan_is_signed(case: Case) -> bool:
    plan = case.records.current_plan
    return bool(plan and plan.signed_by_person_on and plan.signed_by_cm_on)


@guard(_("Every measure of the plan must be done or cancelled before the plan is finished."))
def all_measures_ended(case: Case) -> bool:
    plan = case.records.current_plan
    return bool(plan) and all(m.is_ended for m in plan.measures_list)


@guard(
    _(
        "The exit report must be complete: the outcome and its details, the summary, and the power of attorney at the end "
        "of the support (the one renewed, or why it was not)."
    )
)
def exit_report_complete(case: Case) -> bool:
    report = case.records.exit_report
    return bool(report and report.is_complete)
