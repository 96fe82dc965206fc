"""What a case keeps for its statistics: the dates for counting its deadlines in SQL
(cases.deadlines.kept_dates), kept current by every action, filled in by the migration and
exact at month ends; and the outcome of its exit report, recorded at closure."""

import datetime
import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from cases import actions, deadlines
from cases.demo.walk import walk
from cases.models import Case, CaseState, ExitOutcome, Review, ReviewDecision, ReviewKind
from tests.factories import institution
from tests.helpers import signed_power_of_attorney

pytestmark = pytest.mark.django_db


def stale_cases() -> int:
    """How many cases keep other dates than their records give (and mend them)."""
    return deadlines.refresh_kept_dates(Case.objects.all())


def review(kind: str, day: datetime.date, decision: str = ReviewDecision.CONTINUE) -> Review:
    return Review(
        kind=kind,
        held_on=day,
        summary="Stand",
        poa_check="valid" if kind == ReviewKind.WITH_PERSON else "",
        decision=decision,
        network_informed=True,
    )


@pytest.mark.parametrize("months", [1, 3, 6])
def test_period_starts_before_is_exact_on_every_day(months):
    """A period from ``d`` ends before ``due_before`` exactly when d < period_starts_before(...):
    checked for every day of two years around it (month ends and 29 February included)."""
    due_before = datetime.date(2027, 3, 1)
    while due_before < datetime.date(2029, 3, 1):
        limit = deadlines.period_starts_before(due_before, months)
        for offset in range(-40, 40):
            day = limit + datetime.timedelta(days=offset)
            assert (deadlines.add_months(day, months) < due_before) == (day < limit), (due_before, day)
        due_before += datetime.timedelta(days=1)


def test_every_action_keeps_the_dates_current(make_case, case_manager, coordinator, cast):
    """Validation, reviews of both kinds, powers of attorney, a plan change and its new
    validation: after each action, the kept dates equal what the records give."""
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        case = make_case("implementation")
        assert (case.review_since, case.team_review_since, case.poa_valid_until) == (datetime.date(2026, 1, 5),) * 2 + (None,)
        assert stale_cases() == 0
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, 0), tick=False):
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2026, 2, 10), institutions=[institution("rav")]
        )
        assert Case.objects.get(pk=case.pk).poa_valid_until == datetime.date(2027, 2, 9)
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2025, 12, 1), institutions=[institution("rav")]
        )
        assert Case.objects.get(pk=case.pk).poa_valid_until == datetime.date(2027, 2, 9)  # the latest signed counts
        assert stale_cases() == 0
    with time_machine.travel(datetime.datetime(2026, 3, 20, 10, 0), tick=False):
        actions.record_review(case, by=case_manager, review=review(ReviewKind.WITH_PERSON, datetime.date(2026, 3, 20)))
        stored = Case.objects.get(pk=case.pk)
        assert (stored.review_since, stored.team_review_since) == (datetime.date(2026, 3, 20), datetime.date(2026, 1, 5))
        actions.record_review(case, by=coordinator, review=review(ReviewKind.TEAM, datetime.date(2026, 3, 18)))
        assert Case.objects.get(pk=case.pk).team_review_since == datetime.date(2026, 3, 18)
        assert stale_cases() == 0
    with time_machine.travel(datetime.datetime(2026, 5, 4, 10, 0), tick=False):
        actions.record_review(
            case, by=case_manager, review=review(ReviewKind.WITH_PERSON, datetime.date(2026, 5, 4), ReviewDecision.CHANGE_PLAN)
        )
        assert stale_cases() == 0
        case.refresh_from_db()
        walk(case, CaseState.IMPLEMENTATION, cast, today=datetime.date(2026, 5, 4))
    with time_machine.travel(datetime.datetime(2026, 5, 6, 10, 0), tick=False):
        assert case.state == CaseState.IMPLEMENTATION
        stored = Case.objects.get(pk=case.pk)
        # The new version was validated on 4 May: both periods run from its validation.
        assert (stored.review_since, stored.team_review_since) == (datetime.date(2026, 5, 4), datetime.date(2026, 5, 4))
        assert stale_cases() == 0


def test_closing_records_the_outcome_of_the_exit_report(make_case):
    placed, other = make_case("closed"), make_case("closed", outcome=ExitOutcome.OTHER_SERVICE)
    waiting = make_case("awaiting_closure", outcome=ExitOutcome.INTERRUPTED)
    outcomes = dict(Case.objects.values_list("pk", "outcome"))
    assert (outcomes[placed.pk], outcomes[other.pk]) == (ExitOutcome.PLACED, ExitOutcome.OTHER_SERVICE)
    assert outcomes[waiting.pk] == ""  # recorded at closure only


def test_the_migration_fills_the_columns_of_existing_cases(make_case, case_manager, coordinator):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        implementing = make_case("implementation")
        make_case("plan_preparation")
        make_case("reported")
        make_case("closed", outcome=ExitOutcome.INTERRUPTED)
        actions.record_power_of_attorney(
            implementing, by=case_manager, signed_on=datetime.date(2025, 6, 1), institutions=[institution("rav")]
        )
    with time_machine.travel(datetime.datetime(2026, 2, 20, 10, 0), tick=False):
        actions.record_review(implementing, by=coordinator, review=review(ReviewKind.TEAM, datetime.date(2026, 2, 19)))
    columns = ("review_since", "team_review_since", "poa_valid_until", "outcome")
    expected = {c[0]: c[1:] for c in Case.objects.values_list("pk", *columns)}
    assert expected[implementing.pk] == (datetime.date(2026, 1, 5), datetime.date(2026, 2, 19), datetime.date(2026, 5, 31), "")
    assert sorted(row[3] for row in expected.values()) == ["", "", "", ExitOutcome.INTERRUPTED]
    Case.objects.update(review_since=None, team_review_since=None, poa_valid_until=None, outcome="")

    migration = importlib.import_module("cases.migrations.0008_statistics_columns")
    migration.fill_kept_dates(apps, SimpleNamespace(connection=connection))  # what it reads of the schema editor
    migration.fill_outcomes(apps, SimpleNamespace(connection=connection))

    assert {c[0]: c[1:] for c in Case.objects.values_list("pk", *columns)} == expected
    assert stale_cases() == 0


def test_the_refresh_command_corrects_cases_changed_by_other_means(make_case):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        case = make_case("implementation")
    Case.objects.filter(pk=case.pk).update(review_since=datetime.date(2020, 1, 1))  # as a careless import would
    out = StringIO()
    call_command("refresh_deadline_dates", stdout=out)
    assert out.getvalue().strip() == "Deadline dates: 1 of 1 cases corrected."
    assert Case.objects.get(pk=case.pk).review_since == datetime.date(2026, 1, 5)


def test_overdue_in_sql_matches_the_rules_at_the_end_of_a_month(make_case, case_manager):
    """A review held on 28 February is due on 28 May (three months later): overdue from
    29 May, in SQL as on the case page, although 29, 30 and 31 May minus three months all
    give 28 February."""
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        case = make_case("implementation")
        signed_power_of_attorney(case, case_manager)
    with time_machine.travel(datetime.datetime(2026, 2, 28, 10, 0), tick=False):
        actions.record_review(case, by=case_manager, review=review(ReviewKind.WITH_PERSON, datetime.date(2026, 2, 28)))
    rule = deadlines.overdue_rules_q
    loaded = deadlines.load(Case.objects.filter(pk=case.pk))[0]
    for day in range(25, 32):
        today = datetime.date(2026, 5, day)
        in_python = deadlines.review_with_person(loaded, today).is_overdue
        in_sql = Case.objects.filter(rule(today)[deadlines.REVIEW_WITH_PERSON], pk=case.pk).exists()
        assert in_sql == in_python == (day > 28), today
