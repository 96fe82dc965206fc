"""The SQL form of the deadline rules (cases/deadlines/__init__.py: overdue_cases, due_q;
used by the lists and the reminder sweep) agrees with deadlines_for()."""

import datetime

import pytest
import time_machine

from cases import actions, deadlines
from cases.models import Case, Review, ReviewDecision, ReviewKind
from tests.factories import institution

pytestmark = pytest.mark.django_db


def python_overdue(today):
    cases = Case.objects.prefetch_related(*deadlines.DEADLINE_PREFETCH)
    return {c.reference for c in cases if any(d.is_overdue for d in deadlines.deadlines_for(c, today))}


def sql_overdue(today):
    return set(deadlines.overdue_cases(Case.objects.all(), today).values_list("reference", flat=True))


def python_due_by(today, last_day):
    cases = Case.objects.prefetch_related(*deadlines.DEADLINE_PREFETCH)
    return {c.reference for c in cases if any(d.due_on <= last_day for d in deadlines.deadlines_for(c, today))}


def sql_due_by(last_day):
    return set(Case.objects.filter(deadlines.due_q(last_day)).values_list("reference", flat=True))


def test_sql_and_python_agree_day_by_day(make_case, case_manager, coordinator):
    start = datetime.date(2026, 1, 5)
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        make_case("reported")
        make_case("cm_designated")
        make_case("plan_validation")
        implementing = make_case("implementation")
        with_poa = make_case("implementation")
        actions.record_power_of_attorney(
            with_poa, by=case_manager, signed_on=datetime.date(2025, 3, 1), institutions=[institution("rav")]
        )
    with time_machine.travel(datetime.datetime(2026, 2, 20, 10, 0), tick=False):
        actions.record_review(
            implementing,
            by=case_manager,
            review=Review(
                kind=ReviewKind.WITH_PERSON,
                held_on=datetime.date(2026, 2, 20),
                summary="ok",
                poa_check="renewed",
                decision=ReviewDecision.CONTINUE,
            ),
            poa_signed_on=datetime.date(2026, 2, 20),
            poa_institutions=[institution("rav")],
        )
        actions.record_review(
            implementing,
            by=coordinator,
            review=Review(
                kind=ReviewKind.TEAM, held_on=datetime.date(2026, 2, 20), summary="Team", decision=ReviewDecision.CONTINUE
            ),
        )
    seen_overdue = set()
    for offset in range(0, 200, 3):
        today = start + datetime.timedelta(days=offset)
        expected = python_overdue(today)
        assert sql_overdue(today) == expected, today
        seen_overdue |= expected
        # "Due within 30 days" (My tasks, reminder candidates): the same rules, another day.
        soon = today + datetime.timedelta(days=30)
        assert sql_due_by(soon) == python_due_by(today, soon), today
    assert len(seen_overdue) == 4  # every rule fired on some day (reported cases have none)
