"""The small network of ten cases whose figures tests/cases/test_statistics_stats.py works
out by hand (its docstring has the table); the dashboards and the spreadsheets reuse it."""

import datetime

import pytest
import time_machine

from cases import actions, deadlines
from cases.models import Case, ExitOutcome
from cases.statistics import stats
from tests.conftest import make_member
from tests.factories import institution, region, theme

TODAY = datetime.date(2026, 6, 15)
PERIOD = stats.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


def noon(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=datetime.UTC)


STEP_COLUMNS = ("reported_at", "cm_designated_at", "plan_validated_at", "exit_reported_at", "closed_at")


@pytest.fixture
def on_today():
    """The clock stands at 10:00 UTC on TODAY, the day the network's figures are for."""
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10, 0), tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def dora(db):
    """A second case manager (IIZ contact person in Mittelwallis)."""
    return make_member("dora-cm", "contact_person", region=region("mw"), institution=institution("social"))


@pytest.fixture
def network(make_case, case_manager, dora):
    """The ten cases of the module docstring, by name."""
    specs = {
        "R1": ("reported", "ow", None, None, ["2026-01-10"]),
        "CM1": ("cm_designated", "ow", "youth", case_manager, ["2026-01-20", "2026-02-19"]),
        "IMP1": ("implementation", "mw", None, dora, ["2026-02-05", "2026-02-15", "2026-03-17"]),
        "IMP2": ("implementation", "ow", None, case_manager, ["2025-11-10", "2025-12-01", "2026-01-12"]),
        "PV1": ("plan_validation", "uw", "asylum", dora, ["2026-03-01", "2026-03-11"]),
        "CL1": ("closed", "ow", None, case_manager, ["2025-10-01", "2025-10-21", "2025-12-20", "2026-03-20", "2026-03-30"]),
        "CL2": ("closed", "mw", None, case_manager, ["2025-12-01", "2025-12-11", "2026-01-10", "2026-04-09", "2026-04-29"]),
        "CL3": ("closed", "ow", "youth", case_manager, ["2026-01-15", "2026-01-25", None, "2026-02-24", "2026-03-06"]),
        "CL4": ("closed", "ow", None, case_manager, ["2026-02-01", "2026-02-11", "2026-03-13", "2026-05-12", "2026-05-22"]),
        "NCM": ("no_case_management", "ow", None, None, ["2026-04-01"]),
    }
    outcomes = {"CL2": ExitOutcome.OTHER_SERVICE, "CL3": ExitOutcome.INTERRUPTED}
    cases = {}
    # Built along the real flow on 1 September 2025 (in Oberwallis, by its coordinator);
    # then each case gets its region, theme, case manager and step dates.
    with time_machine.travel(datetime.datetime(2025, 9, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        for name, spec in specs.items():
            cases[name] = make_case(spec[0], outcome=outcomes.get(name, ExitOutcome.PLACED))
        actions.record_power_of_attorney(
            cases["IMP2"], by=case_manager, signed_on=datetime.date(2025, 1, 1), institutions=[institution("rav")]
        )
    for name, (_state, region_code, theme_code, cm, dates) in specs.items():
        fields = dict(zip(STEP_COLUMNS, [noon(d) if d else None for d in dates]))
        fields.update({column: None for column in STEP_COLUMNS[len(dates) :]})
        fields.update(region=region(region_code), theme=theme(theme_code) if theme_code else None, case_manager=cm)
        if name == "PV1":
            fields["plan_submitted_at"] = noon("2026-05-01")
        Case.objects.filter(pk=cases[name].pk).update(**fields)
    # The dates were written directly, as by an import: the kept deadline dates follow them.
    deadlines.refresh_kept_dates(Case.objects.all())
    for case in cases.values():
        case.refresh_from_db()
    return cases
