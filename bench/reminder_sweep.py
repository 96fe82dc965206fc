"""Time one reminder sweep over N open cases (not run by the tests).

    .venv/bin/python bench/reminder_sweep.py 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iiz_bench bench/reminder_sweep.py 100000
    DATABASE_URL=... bench/reminder_sweep.py 100000 --reuse   # the cases of the last run, reminders deleted

Uses a database of its own, recreated on each run: a SQLite file in the temporary
directory, or the PostgreSQL database named in ``DATABASE_URL`` (its name must contain
"bench": it is dropped first). Fills it with ``bulk_create`` (a third of the cases waiting
for the first meeting, a third for the plan's validation, a third in implementation with
both reviews due, each with a power of attorney ending within the month: every case has
deadlines to remind), then times ``cases.deadlines.reminders.sweep`` twice (the first creates the
reminders, the second finds them all there) and counts the queries, and prints the peak
memory of the process. Targets (issue 17, PostgreSQL, 100,000 open cases): the first sweep under 30 s, a
repeated one under 5 s; queries independent of N.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_DB = Path(tempfile.gettempdir()) / "iiz-reminder-bench.sqlite3"


def recreate_database() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        DEFAULT_DB.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    if "bench" not in name:
        sys.exit("DATABASE_URL must name a database for the benchmark (with 'bench' in its name): it is dropped.")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')
        maintenance.execute(f'CREATE DATABASE "{name}"')


REUSE = "--reuse" in sys.argv  # keep the cases of the last run (filling 100,000 takes minutes)
if not REUSE:
    recreate_database()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iiz.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import deadlines  # noqa: E402
from cases.deadlines import reminders  # noqa: E402
from cases.models import Case, CaseState, Person, PowerOfAttorney, Reminder  # noqa: E402
from roles.models import Institution, Membership, Region, Role, User  # noqa: E402


def fill(n: int) -> datetime.date:
    call_command("migrate", verbosity=0)
    region, institution = Region.objects.order_by("pk").first(), Institution.objects.order_by("pk").first()
    manager = User.objects.create(username="bench-cm", email="cm@example.ch")
    coordinator = User.objects.create(username="bench-coordinator", email="co@example.ch")
    Membership.objects.create(user=coordinator, role=Role.REGIONAL_COORDINATOR, region=region)
    now = timezone.now()
    today = timezone.localdate()
    persons = Person.objects.bulk_create(
        Person(first_name="Bench", last_name=f"Person {i}", birth_date=datetime.date(1980, 1, 1), sex="f", language="de")
        for i in range(n)
    )
    states = [
        {"state": CaseState.CM_DESIGNATED, "cm_designated_at": now - datetime.timedelta(days=20)},
        {
            "state": CaseState.PLAN_VALIDATION,
            "cm_designated_at": now - datetime.timedelta(days=40),
            "first_meeting_on": today - datetime.timedelta(days=35),
            "plan_submitted_at": now - datetime.timedelta(days=12),
        },
        {
            "state": CaseState.IMPLEMENTATION,
            "cm_designated_at": now - datetime.timedelta(days=200),
            "first_meeting_on": today - datetime.timedelta(days=190),
            "plan_validated_at": now - datetime.timedelta(days=120),
        },
    ]
    cases = Case.objects.bulk_create(
        Case(
            reference=f"BENCH-{i:07d}",
            person=person,
            reporting_institution=institution,
            reported_by=manager,
            region=region,
            reason="Benchmark",
            coordinator=coordinator,
            case_manager=manager,
            **states[i % 3],
        )
        for i, person in enumerate(persons)
    )
    PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            case=case,
            signed_on=today - datetime.timedelta(days=350),
            valid_until=today + datetime.timedelta(days=14),
            recorded_by=manager,
        )
        for case in cases
    )
    deadlines.refresh_kept_dates(Case.objects.all())  # bulk_create bypasses the actions that keep them
    return today


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    n = int(numbers[0]) if numbers else 10_000
    started = time.perf_counter()
    if REUSE and Case.objects.filter(reference__startswith="BENCH-").count() == n:
        Reminder.objects.all().delete()  # the first sweep creates them again
        today = timezone.localdate()
        print(f"{n} cases of the last run kept, their reminders deleted")
    else:
        today = fill(n)
        print(f"{n} cases created in {time.perf_counter() - started:.1f} s")
    for run in ("first", "repeated"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            created = reminders.sweep(today)
            elapsed = time.perf_counter() - started
        print(f"{run} sweep: {created} reminders created in {elapsed:.2f} s, {len(queries)} queries")
    print(f"reminders in the database: {Reminder.objects.count()}")
    print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
