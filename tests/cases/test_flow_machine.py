"""The CII101 state machine (cases/flow/machine.py, driven through cases.actions): every
transition allowed and refused, the loops, interruption from every open state, four eyes,
and concurrent transitions."""

import datetime

import pytest
from django_fsm import ConcurrentTransition

from cases import actions
from cases.actions import ActionRefused, CaseConflict
from cases.flow import policy
from cases.flow.machine import available_steps
from cases.models import (
    Case,
    CaseState,
    ExitOutcome,
    JournalEntry,
    MeasureStatus,
    MeetingDecision,
    MeetingKind,
    PlanStatus,
    Review,
    ReviewDecision,
    ReviewKind,
)
from cases.models.case import IN_PROGRESS_STATES
from tests.factories import institution
from tests.helpers import signed_power_of_attorney

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusal messages are asserted in their English source text."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_the_full_happy_path_from_report_to_closure(make_case, cast):
    case = make_case("closed")
    assert case.state == CaseState.CLOSED
    assert case.case_manager == cast.case_manager
    assert case.cm_designated_at and case.plan_validated_at and case.exit_reported_at and case.closed_at
    steps = list(
        JournalEntry.objects.filter(case=case, kind="transition").order_by("at", "pk").values_list("transition", flat=True)
    )
    assert steps == [
        "report",
        "plan_assessment",
        "designate_case_manager",
        "start_plan",
        "submit_plan",
        "validate_plan",
        "finish_plan",
        "submit_exit_report",
        "close",
    ]
    assert case.closure.closed_by == cast.officer
    assert case.is_final


def test_a_round_table_can_end_without_case_management(make_case):
    case = make_case("no_case_management")
    assert case.state == CaseState.NO_CASE_MANAGEMENT
    assert case.is_final


def test_ending_a_round_table_needs_a_reason(make_case, coordinator):
    case = make_case("round_table")
    meeting = case.meetings.get()
    meeting.held_on = datetime.date.today()
    meeting.decision = MeetingDecision.NO_CASE_MANAGEMENT
    actions.save_meeting(meeting, by=coordinator)
    with pytest.raises(ActionRefused, match="with a reason"):
        actions.end_without_case_management(case, by=coordinator)
    assert Case.objects.get(pk=case.pk).state == CaseState.ROUND_TABLE


def test_a_round_table_can_escalate_to_an_assessment(make_case, coordinator):
    case = make_case("round_table")
    actions.plan_meeting(case, by=coordinator, kind=MeetingKind.ASSESSMENT)
    assert case.state == CaseState.ASSESSMENT
    assert list(case.meetings.values_list("kind", flat=True)) == ["round_table", "assessment"]


def test_only_the_coordinator_of_the_region_decides_on_the_meeting(make_case, case_manager, frontline):
    case = make_case("reported")
    for user in (case_manager, frontline):
        with pytest.raises(ActionRefused) as refused:
            actions.plan_meeting(case, by=user, kind=MeetingKind.ROUND_TABLE)
        assert refused.value.forbidden
    assert Case.objects.get(pk=case.pk).state == CaseState.REPORTED


def test_a_coordinator_of_another_region_cannot_act(make_case, db):
    from tests.conftest import make_member
    from tests.factories import region

    other = make_member("uwe-coordinator", "regional_coordinator", region=region("uw"))
    case = make_case("reported")
    assert list(policy.may(other, "plan_round_table", case).reasons) == ["Only the case's coordinator organises a round table."]


def test_a_theme_case_is_steered_by_the_thematic_coordinator(make_case, coordinator, thematic_coordinator):
    case = make_case("reported", theme_code="youth")
    assert case.coordinator == thematic_coordinator
    with pytest.raises(ActionRefused):
        actions.plan_meeting(case, by=coordinator, kind=MeetingKind.ROUND_TABLE)
    actions.plan_meeting(case, by=thematic_coordinator, kind=MeetingKind.ROUND_TABLE)
    assert case.state == CaseState.ROUND_TABLE


def test_the_case_manager_must_be_a_contact_person(make_case, coordinator, frontline):
    case = make_case("assessment")
    meeting = case.meetings.get()
    meeting.held_on = datetime.date.today()
    meeting.decision = MeetingDecision.CASE_MANAGEMENT
    meeting.designated_cm = frontline
    with pytest.raises(ActionRefused, match="contact person"):
        actions.save_meeting(meeting, by=coordinator)


def test_designation_needs_a_held_meeting_that_names_the_case_manager(make_case, coordinator):
    case = make_case("assessment")
    reasons = list(policy.may(coordinator, "designate_case_manager", case).reasons)
    assert reasons == ["The round table or assessment must be held and name a case manager who is an IIZ contact person."]
    with pytest.raises(ActionRefused):
        actions.designate_case_manager(case, by=coordinator)


def test_a_plan_needs_goals_measures_and_both_signatures(make_case, case_manager):
    case = make_case("plan_preparation")
    reasons = list(policy.may(case_manager, "submit_plan", case).reasons)
    assert "The action plan needs at least one goal and one measure." in reasons
    assert "The action plan must be signed by the person and by the case manager (dates of both signatures)." in reasons
    plan = case.records.current_plan
    actions.save_plan(
        plan,
        by=case_manager,
        goals=["Arbeit finden"],
        measures=[{"title": "Coaching", "responsible_institution": institution("rav")}],
    )
    plan.signed_by_person_on = datetime.date.today()
    plan.save()
    case.refresh_records()
    assert list(policy.may(case_manager, "submit_plan", case).reasons) == [
        "The action plan must be signed by the person and by the case manager (dates of both signatures)."
    ]
    plan.signed_by_cm_on = datetime.date.today()
    plan.save()
    actions.submit_plan(case, by=case_manager)
    assert case.state == CaseState.PLAN_VALIDATION
    assert case.records.current_plan.status == PlanStatus.SUBMITTED


def test_the_plan_author_cannot_validate_it(make_case, case_manager, coordinator):
    case = make_case("plan_validation")
    plan = case.records.current_plan
    plan.author = coordinator  # the coordinator wrote this version
    plan.save()
    case.refresh_records()
    with pytest.raises(ActionRefused):
        actions.validate_plan(case, by=coordinator)
    assert "validate_plan" not in [a.name for a in available_steps(case, coordinator)]


def test_a_plan_sent_back_returns_to_preparation_as_a_new_version_to_sign_again(make_case, coordinator, case_manager, cast):
    case = make_case("plan_validation")
    with pytest.raises(ActionRefused, match="other options"):
        actions.send_back_plan(case, by=coordinator, reasons="Die IV fehlt.", options="  ")
    actions.send_back_plan(case, by=coordinator, reasons="Die IV fehlt.", options="Bitte zuerst Abklärung IV.")
    assert case.state == CaseState.PLAN_PREPARATION
    versions = list(case.plans.order_by("version").values_list("version", "status"))
    assert versions == [(1, PlanStatus.SENT_BACK), (2, PlanStatus.DRAFT)]
    plan = case.records.current_plan
    assert plan.version == 2 and not plan.is_signed
    # the loop: signed again, submitted again, validated
    from cases.demo.walk import walk

    walk(case, CaseState.IMPLEMENTATION, cast)
    assert case.records.current_plan.status == PlanStatus.VALIDATED


def test_a_review_can_change_the_plan_into_a_new_version(make_case, case_manager, cast):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    review = Review(
        kind=ReviewKind.WITH_PERSON,
        held_on=datetime.date.today(),
        summary="Neue Situation: Umzug.",
        poa_check="valid",
        decision=ReviewDecision.CHANGE_PLAN,
    )
    actions.record_review(case, by=case_manager, review=review)
    assert case.state == CaseState.PLAN_PREPARATION
    versions = list(case.plans.order_by("version").values_list("version", "status"))
    assert versions == [(1, PlanStatus.VALIDATED), (2, PlanStatus.DRAFT)]
    new = case.records.current_plan
    assert [g.text for g in new.goals_list] == ["Stabile Anstellung im ersten Arbeitsmarkt", "Gesundheit stabilisieren"]
    from cases.demo.walk import walk

    walk(case, CaseState.IMPLEMENTATION, cast)
    assert list(case.plans.order_by("version").values_list("status", flat=True)) == [PlanStatus.SUPERSEDED, PlanStatus.VALIDATED]


def test_a_plan_not_finished_keeps_implementation_going(make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    review = Review(
        kind=ReviewKind.WITH_PERSON,
        held_on=datetime.date.today(),
        summary="Läuft gut.",
        poa_check="valid",
        decision=ReviewDecision.CONTINUE,
    )
    plan = case.records.current_plan
    actions.record_review(
        case,
        by=case_manager,
        review=review,
        progress=[{"measure_id": plan.measures_list[0].pk, "status": MeasureStatus.RUNNING, "note": "Begonnen."}],
    )
    assert case.state == CaseState.IMPLEMENTATION
    with pytest.raises(ActionRefused, match="done or cancelled"):
        actions.finish_plan(case, by=case_manager)


def test_a_review_with_the_person_must_check_the_power_of_attorney(make_case, case_manager):
    case = make_case("implementation")
    review = Review(kind=ReviewKind.WITH_PERSON, held_on=datetime.date.today(), summary="x", decision=ReviewDecision.CONTINUE)
    with pytest.raises(ActionRefused, match="power of attorney"):
        actions.record_review(case, by=case_manager, review=review)


@pytest.mark.parametrize("state", IN_PROGRESS_STATES)
def test_a_case_can_be_interrupted_from_every_open_state(make_case, coordinator, state, cast):
    case = make_case(state)
    actions.interrupt(case, by=coordinator, reason="moved", note="Umzug nach Zürich.")
    assert case.state == CaseState.EXIT_REPORT
    report = case.records.exit_report
    assert report.outcome == ExitOutcome.INTERRUPTED and report.interruption_reason == "moved"
    from cases.demo.walk import walk

    walk(case, CaseState.CLOSED, cast, outcome=ExitOutcome.INTERRUPTED)
    assert case.state == CaseState.CLOSED


def test_an_interruption_needs_a_reason(make_case, coordinator):
    case = make_case("implementation")
    with pytest.raises(ActionRefused):
        actions.interrupt(case, by=coordinator, reason="")


def test_the_exit_report_must_be_complete_for_its_outcome(make_case, case_manager):
    case = make_case("exit_report")
    report = case.records.exit_report
    report.outcome = ExitOutcome.PLACED
    report.summary = "Gut."
    actions.save_exit_report(report, by=case_manager)
    assert report.missing_fields() == ["employer", "job_start_on", "workload_percent", "poa_not_renewed_reason"]
    with pytest.raises(ActionRefused, match="exit report must be complete"):
        actions.submit_exit_report(case, by=case_manager)


def test_only_the_officer_closes_and_never_their_own_case(make_case, coordinator, officer, cast):
    case = make_case("awaiting_closure")
    with pytest.raises(ActionRefused) as refused:
        actions.close_case(case, by=coordinator)
    assert refused.value.forbidden
    case.case_manager = officer  # the officer was this case's manager
    case.save(update_fields=["case_manager"])
    with pytest.raises(ActionRefused):
        actions.close_case(case, by=officer)


def test_a_closed_case_is_read_only(make_case, coordinator, officer):
    case = make_case("closed")
    assert available_steps(case, officer) == []
    assert available_steps(case, coordinator) == []
    with pytest.raises(ActionRefused, match="closed"):
        actions.add_journal_entry(case, by=coordinator, kind="note", text="x")


def test_the_state_cannot_be_set_directly(make_case):
    case = make_case("reported")
    with pytest.raises(AttributeError):
        case.state = CaseState.CLOSED


def test_two_concurrent_transitions_one_wins_the_other_gets_a_conflict(make_case, coordinator):
    case = make_case("reported")
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    actions.plan_meeting(first, by=coordinator, kind=MeetingKind.ROUND_TABLE)
    with pytest.raises(CaseConflict):
        actions.plan_meeting(second, by=coordinator, kind=MeetingKind.ASSESSMENT)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == CaseState.ROUND_TABLE
    assert list(fresh.meetings.values_list("kind", flat=True)) == ["round_table"]  # nothing of the loser saved


def test_the_mixin_itself_refuses_a_stale_save(make_case):
    case = make_case("reported")
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(state=CaseState.ROUND_TABLE)
    stale.plan_assessment()
    with pytest.raises(ConcurrentTransition):
        stale.save()


def test_buttons_list_only_the_steps_the_role_allows(make_case, coordinator, case_manager, frontline):
    case = make_case("reported")
    assert {a.name for a in available_steps(case, coordinator)} == {"plan_round_table", "plan_assessment", "interrupt"}
    assert available_steps(case, frontline) == []
    assert available_steps(case, case_manager) == []


def test_history_rows_name_the_acting_user_outside_a_request(make_case, coordinator, case_manager):
    case = make_case("implementation")
    authors = {h.history_user for h in case.history.all()}
    assert None not in authors
    assert {coordinator, case_manager} <= authors
    plan = case.records.current_plan
    assert {h.history_user for h in plan.history.all()} <= {case_manager, coordinator}
