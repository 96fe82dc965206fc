"""Deadlines of a case computed from the database state alone (cases/deadlines/__init__.py): the
first meeting within 14 days, the plan's validation within 10 days, the reviews every three
months, the power of attorney valid one year; month ends, settings and local dates."""

import datetime

import pytest
import time_machine

from cases import actions
from cases.deadlines import (
    DEADLINE_PREFETCH,
    FIRST_MEETING,
    PLAN_VALIDATION,
    POWER_OF_ATTORNEY,
    REVIEW_WITH_PERSON,
    TEAM_REVIEW,
    Deadline,
    add_months,
    deadlines_for,
)
from cases.models import Case, Review, ReviewDecision, ReviewKind
from tests.factories import institution
from tests.helpers import at, signed_power_of_attorney

pytestmark = pytest.mark.django_db


def by_rule(case, today):
    return {d.rule: d for d in deadlines_for(case, today)}


def reload(case):
    return Case.objects.prefetch_related(*DEADLINE_PREFETCH).get(pk=case.pk)


# --- month arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 11, 30), 3, datetime.date(2028, 2, 29)),  # leap year
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 8, 31), 3, datetime.date(2026, 11, 30)),
        (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
        (datetime.date(2026, 3, 15), 3, datetime.date(2026, 6, 15)),
        (datetime.date(2026, 12, 31), 12, datetime.date(2027, 12, 31)),
    ],
)
def test_months_are_added_calendar_wise_and_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_a_deadline_knows_whether_it_is_overdue():
    due = Deadline("x", "x", datetime.date(2026, 3, 10), today=datetime.date(2026, 3, 10))
    assert not due.is_overdue and due.days_left == 0 and due.is_due_soon
    late = Deadline("x", "x", datetime.date(2026, 3, 10), today=datetime.date(2026, 3, 13))
    assert late.is_overdue and late.days_overdue == 3 and late.days_left == -3
    later = Deadline("x", "x", datetime.date(2026, 3, 30), today=datetime.date(2026, 3, 10))
    assert not later.is_overdue and not later.is_due_soon and later.days_overdue == 0


# --- first meeting (step 3) ---------------------------------------------------------------


def test_the_first_meeting_is_due_14_days_after_the_designation(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    deadline = by_rule(reload(case), datetime.date(2026, 3, 10))[FIRST_MEETING]
    assert deadline.due_on == datetime.date(2026, 3, 16)
    assert deadline.since == datetime.date(2026, 3, 2)
    assert not deadline.is_overdue
    assert by_rule(reload(case), datetime.date(2026, 3, 17))[FIRST_MEETING].is_overdue


def test_the_first_meeting_period_comes_from_the_settings(make_case, settings):
    settings.IIZ_FIRST_MEETING_DAYS = 7
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    assert by_rule(reload(case), datetime.date(2026, 3, 3))[FIRST_MEETING].due_on == datetime.date(2026, 3, 9)


def test_the_designation_date_is_the_local_day(make_case):
    # 00:30 in Zurich on 3 March is still 2 March in UTC.
    with time_machine.travel(at(2026, 3, 3, 0, 30), tick=False):
        case = make_case("cm_designated")
    assert by_rule(reload(case), datetime.date(2026, 3, 3))[FIRST_MEETING].due_on == datetime.date(2026, 3, 17)


def test_the_first_meeting_is_no_longer_due_once_it_took_place(make_case, case_manager):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
        actions.start_plan(case, by=case_manager, first_meeting_on=datetime.date(2026, 3, 2))
    assert FIRST_MEETING not in by_rule(reload(case), datetime.date(2026, 4, 1))


def test_a_recorded_first_meeting_date_ends_the_deadline_even_before_the_step(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    case.first_meeting_on = datetime.date(2026, 3, 5)
    assert FIRST_MEETING not in by_rule(case, datetime.date(2026, 4, 1))


# --- plan validation (step 5) ---------------------------------------------------------------


def test_a_submitted_plan_waits_at_most_10_days_for_the_decision(make_case):
    with time_machine.travel(at(2026, 5, 25), tick=False):
        case = make_case("plan_validation")
    deadlines = by_rule(reload(case), datetime.date(2026, 6, 5))
    assert set(deadlines) == {PLAN_VALIDATION}
    assert deadlines[PLAN_VALIDATION].due_on == datetime.date(2026, 6, 4)
    assert deadlines[PLAN_VALIDATION].is_overdue
    assert deadlines[PLAN_VALIDATION].days_overdue == 1


def test_the_validation_period_comes_from_the_settings(make_case, settings):
    settings.IIZ_PLAN_VALIDATION_DAYS = 5
    with time_machine.travel(at(2026, 5, 25), tick=False):
        case = make_case("plan_validation")
    assert by_rule(reload(case), datetime.date(2026, 5, 26))[PLAN_VALIDATION].due_on == datetime.date(2026, 5, 30)


def test_a_validated_plan_is_no_longer_waiting(make_case):
    with time_machine.travel(at(2026, 5, 25), tick=False):
        case = make_case("implementation")
    assert PLAN_VALIDATION not in by_rule(reload(case), datetime.date(2026, 6, 30))


# --- reviews (step 7) -------------------------------------------------------------------


def test_both_reviews_are_due_three_months_after_the_validation_at_the_month_end(make_case):
    with time_machine.travel(at(2026, 11, 30), tick=False):
        case = make_case("implementation")
    deadlines = by_rule(reload(case), datetime.date(2026, 12, 1))
    assert deadlines[REVIEW_WITH_PERSON].due_on == datetime.date(2027, 2, 28)
    assert deadlines[TEAM_REVIEW].due_on == datetime.date(2027, 2, 28)
    assert deadlines[REVIEW_WITH_PERSON].since == datetime.date(2026, 11, 30)
    assert not deadlines[REVIEW_WITH_PERSON].is_overdue
    assert by_rule(reload(case), datetime.date(2027, 3, 1))[REVIEW_WITH_PERSON].is_overdue


def test_a_review_with_the_person_restarts_only_its_own_clock(make_case, case_manager):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        signed_power_of_attorney(case, case_manager)
    with time_machine.travel(at(2026, 3, 20), tick=False):
        actions.record_review(
            case,
            by=case_manager,
            review=Review(
                kind=ReviewKind.WITH_PERSON,
                held_on=datetime.date(2026, 3, 20),
                summary="Läuft.",
                poa_check="valid",
                decision=ReviewDecision.CONTINUE,
                network_informed=True,
            ),
        )
    deadlines = by_rule(reload(case), datetime.date(2026, 4, 1))
    assert deadlines[REVIEW_WITH_PERSON].due_on == datetime.date(2026, 6, 20)
    assert deadlines[TEAM_REVIEW].due_on == datetime.date(2026, 4, 15)


def test_the_quarterly_team_review_counts_from_the_last_team_review(make_case, coordinator):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
    with time_machine.travel(at(2026, 4, 10), tick=False):
        actions.record_review(
            case,
            by=coordinator,
            review=Review(
                kind=ReviewKind.TEAM,
                held_on=datetime.date(2026, 4, 10),
                summary="Fortschritt besprochen.",
                decision=ReviewDecision.CONTINUE,
            ),
        )
    deadlines = by_rule(reload(case), datetime.date(2026, 4, 20))
    assert deadlines[TEAM_REVIEW].due_on == datetime.date(2026, 7, 10)
    assert deadlines[REVIEW_WITH_PERSON].due_on == datetime.date(2026, 4, 15)
    assert deadlines[REVIEW_WITH_PERSON].is_overdue


def test_a_new_validated_version_restarts_the_review_clocks(make_case, case_manager, cast):
    from cases.demo.walk import walk

    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
    with time_machine.travel(at(2026, 2, 10), tick=False):
        actions.change_plan(case, by=case_manager, reason="Neue Lage.")
        walk(case, "implementation", cast)
    deadlines = by_rule(reload(case), datetime.date(2026, 2, 11))
    assert deadlines[REVIEW_WITH_PERSON].due_on == datetime.date(2026, 5, 10)
    assert deadlines[TEAM_REVIEW].due_on == datetime.date(2026, 5, 10)


def test_review_periods_come_from_the_settings(make_case, settings):
    settings.IIZ_REVIEW_MONTHS = 2
    settings.IIZ_TEAM_REVIEW_MONTHS = 4
    with time_machine.travel(at(2026, 1, 31), tick=False):
        case = make_case("implementation")
    deadlines = by_rule(reload(case), datetime.date(2026, 2, 1))
    assert deadlines[REVIEW_WITH_PERSON].due_on == datetime.date(2026, 3, 31)
    assert deadlines[TEAM_REVIEW].due_on == datetime.date(2026, 5, 31)


def test_no_review_is_due_outside_implementation(make_case):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("exit_report")
    rules = by_rule(reload(case), datetime.date(2026, 9, 1))
    assert REVIEW_WITH_PERSON not in rules and TEAM_REVIEW not in rules


# --- power of attorney --------------------------------------------------------------------


def test_the_latest_power_of_attorney_is_due_on_its_last_valid_day(make_case, case_manager):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2025, 3, 1), institutions=[institution("rav")]
        )
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2026, 1, 10), institutions=[institution("rav")]
        )
    deadline = by_rule(reload(case), datetime.date(2026, 6, 1))[POWER_OF_ATTORNEY]
    assert deadline.due_on == datetime.date(2027, 1, 9)
    assert deadline.since == datetime.date(2026, 1, 10)
    assert not deadline.expired and not deadline.is_overdue


def test_an_expired_power_of_attorney_is_flagged(make_case, case_manager):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2025, 3, 1), institutions=[institution("rav")]
        )
    on_last_day = by_rule(reload(case), datetime.date(2026, 2, 28))[POWER_OF_ATTORNEY]
    assert on_last_day.due_on == datetime.date(2026, 2, 28) and not on_last_day.expired
    day_after = by_rule(reload(case), datetime.date(2026, 3, 1))[POWER_OF_ATTORNEY]
    assert day_after.expired and day_after.is_overdue


def test_a_power_of_attorney_signed_on_29_february_ends_on_28_february(make_case, case_manager):
    with time_machine.travel(at(2028, 3, 1), tick=False):
        case = make_case("implementation")
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2028, 2, 29), institutions=[institution("rav")]
        )
    assert by_rule(reload(case), datetime.date(2028, 3, 1))[POWER_OF_ATTORNEY].due_on == datetime.date(2029, 2, 28)


def test_no_power_of_attorney_deadline_without_one_or_once_the_case_is_closed(make_case, case_manager, cast):
    from cases.demo.walk import walk

    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        assert POWER_OF_ATTORNEY not in by_rule(reload(case), datetime.date(2026, 1, 16))
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2026, 1, 15), institutions=[institution("rav")]
        )
        walk(case, "closed", cast)
    assert deadlines_for(reload(case), datetime.date(2027, 6, 1)) == []


# --- the whole list -------------------------------------------------------------------------


def test_deadlines_come_soonest_first(make_case, case_manager):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2025, 3, 1), institutions=[institution("rav")]
        )
    rules = [d.rule for d in deadlines_for(reload(case), datetime.date(2026, 2, 1))]
    assert rules == [POWER_OF_ATTORNEY, REVIEW_WITH_PERSON, TEAM_REVIEW]


def test_deadlines_run_no_query_once_the_case_is_loaded(make_case, case_manager, django_assert_num_queries):
    with time_machine.travel(at(2026, 1, 15), tick=False):
        case = make_case("implementation")
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2026, 1, 10), institutions=[institution("rav")]
        )
    loaded = reload(case)
    assert loaded.records.current_plan is not None
    with django_assert_num_queries(0):
        assert len(deadlines_for(loaded, datetime.date(2026, 2, 1))) == 3


def test_no_deadline_for_a_case_just_reported(make_case):
    case = make_case("reported")
    assert deadlines_for(reload(case), datetime.date.today()) == []
