"""The figures of cases/statistics/stats.py against expectations worked out by hand on a small network.

The network (``network`` fixture, today = 15 June 2026, step dates set explicitly at noon
UTC so that durations are whole days):

| case | state              | region | theme   | CM   | reported   | CM designated | plan validated | exit report | closed     | outcome       |
|------|--------------------|--------|---------|------|------------|---------------|----------------|-------------|------------|---------------|
| R1   | reported           | ow     | –       | –    | 2026-01-10 |               |                |             |            |               |
| CM1  | cm_designated      | ow     | youth   | cora | 2026-01-20 | 2026-02-19    |                |             |            |               |
| IMP1 | implementation     | mw     | –       | dora | 2026-02-05 | 2026-02-15    | 2026-03-17     |             |            |               |
| IMP2 | implementation     | ow     | –       | cora | 2025-11-10 | 2025-12-01    | 2026-01-12     |             |            |               |
| PV1  | plan_validation    | uw     | asylum  | dora | 2026-03-01 | 2026-03-11    | (submitted 2026-05-01)          |            |               |
| CL1  | closed             | ow     | –       | cora | 2025-10-01 | 2025-10-21    | 2025-12-20     | 2026-03-20  | 2026-03-30 | placed        |
| CL2  | closed             | mw     | –       | cora | 2025-12-01 | 2025-12-11    | 2026-01-10     | 2026-04-09  | 2026-04-29 | other service |
| CL3  | closed             | ow     | youth   | cora | 2026-01-15 | 2026-01-25    | –              | 2026-02-24  | 2026-03-06 | interrupted   |
| CL4  | closed             | ow     | –       | cora | 2026-02-01 | 2026-02-11    | 2026-03-13     | 2026-05-12  | 2026-05-22 | placed        |
| NCM  | no_case_management | ow     | –       | –    | 2026-04-01 |               |                |             |            |               |

Overdue on 15 June 2026: CM1 first meeting (designated 19 Feb, due 5 March); PV1 plan
validation (submitted 1 May, due 11 May); IMP2 review with the person, team review (plan
validated 12 January, due 12 April) and power of attorney (signed 1 January 2025, valid one
year). IMP1's plan was validated on 17 March: nothing due before 17 June.
"""

import datetime

import pytest
from django.utils import timezone

from cases import deadlines
from cases.models import Case
from cases.statistics import stats
from tests.cases.network import PERIOD, TODAY, noon
from tests.factories import institution, region, theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def snap(network):
    return stats.Snapshot(Case.objects.all(), TODAY)


def test_open_cases_by_state_and_by_region_and_theme(snap):
    assert snap.total == 5
    assert {state: n for state, n in snap.by_state.items() if n} == {
        "reported": 1,
        "cm_designated": 1,
        "implementation": 2,
        "plan_validation": 1,
    }
    ow, mw, uw = (region(code).pk for code in ("ow", "mw", "uw"))
    youth, asylum = theme("youth").pk, theme("asylum").pk
    assert {key: n for key, n in snap.by_region_theme.items() if n} == {
        (ow, None): 2,
        (ow, youth): 1,
        (mw, None): 1,
        (uw, asylum): 1,
    }


def test_overdue_deadlines_by_rule_region_and_case_manager(snap, case_manager, dora):
    assert {rule: snap.overdue_count(rule) for rule in stats.OVERDUE_RULES} == {
        "first_meeting": 1,
        "plan_validation": 1,
        "review_with_person": 1,
        "team_review": 1,
        "power_of_attorney": 1,
    }
    assert snap.overdue_count() == 3  # CM1, PV1, IMP2 (overdue on three rules, counted once)
    ow, mw, uw = (region(code).pk for code in ("ow", "mw", "uw"))
    assert snap.overdue_count(stats.ANY_RULE, "region", ow) == 2
    assert snap.overdue_count("power_of_attorney", "region", ow) == 1
    assert snap.overdue_count("plan_validation", "region", uw) == 1
    assert snap.overdue_count(stats.ANY_RULE, "region", mw) == 0
    assert snap.overdue_count(stats.ANY_RULE, "cm", case_manager.pk) == 2
    assert snap.overdue_count(stats.ANY_RULE, "cm", dora.pk) == 1


def test_caseload_per_case_manager(snap, case_manager, dora):
    assert snap.by_cm[case_manager.pk] == 2  # CM1, IMP2 (the closed cases are not open)
    assert snap.by_cm[dora.pk] == 2  # IMP1, PV1
    assert snap.by_cm[None] == 1  # R1 has no case manager yet
    assert snap.by_cm_state[(dora.pk, "plan_validation")] == 1


def test_open_and_overdue_cases_by_institution_involved(snap):
    rav, social, ai = (institution(code).pk for code in ("rav", "social", "ai"))
    assert snap.by_institution[rav] == 5 and snap.by_institution[social] == 5  # every case involves both
    assert snap.by_institution[ai] == 0
    assert snap.overdue_count(stats.ANY_RULE, "institution", rav) == 3
    assert snap.overdue_count("power_of_attorney", "institution", rav) == 1
    assert snap.overdue_count("first_meeting", "institution", social) == 1


def test_new_cases_per_month_and_steps_reached_in_the_period(network):
    flow = stats.Flow.of(Case.objects.all(), PERIOD)
    assert list(flow.months.values()) == [3, 2, 1, 1, 0, 0]  # January … June
    assert next(iter(flow.months)) == datetime.date(2026, 1, 1)
    assert flow.steps == {
        "reported": 7,
        "cm_designated": 5,
        "plan_validated": 4,
        "exit_reported": 4,
        "closed": 4,
    }


def test_closed_cases_by_outcome_and_the_placement_rate(network):
    counts = stats.Flow.of(Case.objects.all(), PERIOD).outcomes
    assert counts == {"placed": 2, "other_service": 1, "interrupted": 1}
    table = stats.table_closed_by_outcome(counts, PERIOD)
    assert [row.cells[0].text for row in table.rows] == ["2", "1", "1", "4", "50 %"]


def test_median_durations_between_the_steps(network):
    durations = stats.Flow.of(Case.objects.all(), PERIOD).durations
    assert [(d.start, d.end, d.n, d.median_days) for d in durations] == [
        ("reported", "cm_designated", 5, pytest.approx(10)),  # 30, 10, 10, 10, 10
        ("cm_designated", "plan_validated", 4, pytest.approx(30)),  # 30, 42, 30, 30
        ("plan_validated", "exit_reported", 3, pytest.approx(89)),  # 90, 89, 60 (CL3 never validated)
        ("exit_reported", "closed", 4, pytest.approx(10)),  # 10, 20, 10, 10
    ]


def test_a_median_of_an_even_number_of_cases_is_the_mean_of_the_middle_two(network):
    Case.objects.filter(pk=network["CL2"].pk).update(closed_at=noon("2026-05-09"))  # exit → closed: 30 days
    Case.objects.filter(pk=network["CL4"].pk).update(closed_at=noon("2026-06-01"))  # 20 days
    durations = stats.Flow.of(Case.objects.all(), PERIOD).durations
    assert durations[-1].median_days == pytest.approx(15)  # 10, 10, 20, 30


def test_figures_follow_the_queryset_they_are_given(network, coordinator):
    """The dashboards pass visible_to(user): a regional coordinator counts the cases of the
    region without theme only."""
    mine = stats.Snapshot(Case.objects.visible_to(coordinator), TODAY)
    assert mine.total == 2  # R1, IMP2
    assert mine.overdue_count() == 1  # IMP2
    assert stats.Flow.of(Case.objects.visible_to(coordinator), PERIOD).steps["closed"] == 2  # CL1, CL4


def test_each_overdue_rule_in_sql_agrees_with_the_deadline_rules(network):
    """deadlines.overdue_rules_q, rule by rule: day by day, each rule selects
    exactly the cases whose deadline of that rule deadlines_for() finds overdue."""
    cases = list(Case.objects.prefetch_related(*deadlines.DEADLINE_PREFETCH))
    fired = set()
    for offset in range(-200, 120, 7):
        today = TODAY + datetime.timedelta(days=offset)
        for rule, q in stats.overdue_rule_q(today).items():
            expected = {c.pk for c in cases for d in deadlines.deadlines_for(c, today) if d.rule == rule and d.is_overdue}
            assert set(Case.objects.filter(q).values_list("pk", flat=True)) == expected, (rule, today)
            fired |= {rule} if expected else set()
    assert fired == set(stats.OVERDUE_RULES)


def test_periods_cover_whole_months():
    period = stats.Period(datetime.date(2025, 11, 20), datetime.date(2026, 2, 3))
    assert period.months() == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert period.month_period(datetime.date(2025, 11, 1)) == stats.Period(
        datetime.date(2025, 11, 20), datetime.date(2025, 11, 30)
    )
    assert period.month_period(datetime.date(2026, 2, 1)) == stats.Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 3))


def test_dated_filter_takes_whole_local_days(network):
    """A case reported at 23:30 on 31 January, Swiss time, belongs to January."""
    late = timezone.make_aware(datetime.datetime(2026, 1, 31, 23, 30))
    Case.objects.filter(pk=network["R1"].pk).update(reported_at=late)
    january = Case.objects.filter(stats.dated_q("reported", datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)))
    assert network["R1"] in january
    assert list(stats.Flow.of(Case.objects.all(), PERIOD).months.values())[:2] == [3, 2]


# --- The small-count rule of the steering view ----------------------------------------------


def counts_table(values, total=True):
    table = stats.Table("t", "T", "Row", ["Count"])
    table.rows = [stats.Row(f"r{i}", [stats.Cell(v)]) for i, v in enumerate(values)]
    if total:
        table.rows.append(stats.Row("Total", [stats.Cell(sum(values))], is_total=True))
    return table


def texts(table):
    return [row.cells[0].text for row in table.rows]


def test_counts_from_one_to_four_are_hidden_and_zero_is_shown():
    assert texts(stats.suppress_counts(counts_table([0, 4, 5, 2, 30]))) == ["0", "< 5", "5", "< 5", "30", "41"]


def test_a_single_hidden_count_hides_the_next_smallest_so_the_total_does_not_give_it_away():
    table = stats.suppress_counts(counts_table([3, 12, 10, 0]))
    assert texts(table) == ["< 5", "12", "×", "0", "25"]
    assert [row.cells[0].hidden for row in table.rows] == [True, False, True, False, False]


def test_without_a_total_a_single_hidden_count_needs_no_second_one():
    assert texts(stats.suppress_counts(counts_table([3, 12, 10], total=False))) == ["< 5", "12", "10"]


def test_a_small_total_is_hidden_too():
    assert texts(stats.suppress_counts(counts_table([3, 0, 0]))) == ["< 5", "0", "0", "< 5"]


def test_suppressed_tables_have_no_links():
    table = counts_table([3, 12, 10])
    for row in table.rows:
        row.cells[0].url = "/cases/?x=1"
    assert all(not row.cells[0].url for row in stats.suppress_counts(table).rows)


def test_the_placement_rate_is_not_shown_when_placements_are_hidden():
    table = stats.table_closed_by_outcome({"placed": 3, "other_service": 9, "interrupted": 6}, PERIOD, suppressed=True)
    assert texts(table) == ["< 5", "9", "×", "18", "–"]
    shown = stats.table_closed_by_outcome({"placed": 9, "other_service": 6, "interrupted": 5}, PERIOD, suppressed=True)
    assert texts(shown)[-1] == "45 %"


def test_a_median_over_fewer_than_five_cases_is_hidden_in_the_steering_view(network):
    table = stats.table_durations(stats.Flow.of(Case.objects.all(), PERIOD).durations, PERIOD, suppressed=True)
    assert [[c.text for c in row.cells] for row in table.rows] == [["10", "5"], ["–", "< 5"], ["–", "< 5"], ["–", "< 5"]]


def test_the_activity_report_of_a_year(network):
    tables = {t.key: t for t in stats.activity_report(Case.objects.all(), 2026, suppressed=False)}
    assert texts(tables["new_per_month"])[:7] == ["3", "2", "1", "1", "0", "0", "0"]
    assert texts(tables["new_per_month"])[-1] == "7"
    by_region = {row.label: row.cells[0].value for row in tables["new_by_region"].rows}
    assert by_region == {"Oberwallis": 5, "Mittelwallis": 1, "Unterwallis": 1, "Total": 7}
    assert texts(tables["closed_by_outcome"]) == ["2", "1", "1", "4", "50 %"]
    suppressed = {t.key: t for t in stats.activity_report(Case.objects.all(), 2026, suppressed=True)}
    assert texts(suppressed["new_by_region"]) == ["< 5", "5", "< 5", "7"]  # Mittelwallis, Oberwallis, Unterwallis
