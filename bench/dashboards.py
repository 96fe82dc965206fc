"""Time the dashboards, the steering view, and the pages beside them (the case list a count
links to, My tasks) over N cases (not run by the tests).

    .venv/bin/python bench/dashboards.py 100000
    .venv/bin/python bench/dashboards.py 100000 --keep   # reuse the SQLite file of the last run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iiz_bench_dash .venv/bin/python bench/dashboards.py 100000

Uses its own database: a SQLite file in the temporary directory (recreated on each run
unless ``--keep``), or
``DATABASE_URL`` if set (an empty database of its own: the script refuses one that already
holds cases of another size). Fills it with ``bulk_create``: cases reported over the last
three years in the three regions (a fifth youth, a tenth asylum), each taken as far along
CII101 as its age allows (some ended without case management, some interrupted), with
their institutions involved, case managers, plans, reviews, powers of attorney and exit
reports with outcomes. Then it measures the server time of each page (Django's test
client with ``force_login``, the median of several requests after a warm-up) and counts
its queries.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_DB = Path(tempfile.gettempdir()) / "iiz-dashboard-bench.sqlite3"
if "DATABASE_URL" not in os.environ:
    if "--keep" not in sys.argv:
        DEFAULT_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iiz.settings")
# The pages are timed as a signed-in user sees them (force_login: no second factor asked).
os.environ.setdefault("IIZ_OTP_REQUIRED_ROLES", "")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import deadlines  # noqa: E402
from cases.models import (  # noqa: E402
    ActionPlan,
    Case,
    CaseState,
    ExitOutcome,
    ExitReport,
    Person,
    PlanStatus,
    PowerOfAttorney,
    Review,
    ReviewKind,
)
from cases.models.reviews import one_year_after  # noqa: E402
from roles.models import Institution, Membership, Region, Role, Theme, User  # noqa: E402

CASE_MANAGERS_PER_REGION = 20
BATCH = 5000
RUNS = 7


def make_users(regions, themes, institutions):
    def user(name, role, **units):
        u = User.objects.create(username=f"bench-{name}", first_name="Bench", last_name=name.title(), email=f"{name}@example.ch")
        Membership.objects.create(user=u, role=role, starts_on=datetime.date(2020, 1, 1), **units)
        return u

    users = {
        "officer": user("officer", Role.OFFICER),
        "steering": user("steering", Role.STEERING),
        "coordinator": {r.pk: user(f"coordinator-{r.code}", Role.REGIONAL_COORDINATOR, region=r) for r in regions},
        "thematic": {t.pk: user(f"coordinator-{t.code}", Role.THEMATIC_COORDINATOR, theme=t) for t in themes},
        "cms": {
            r.pk: [
                user(f"cm-{r.code}-{i}", Role.CONTACT_PERSON, region=r, institution=institutions[i % len(institutions)])
                for i in range(CASE_MANAGERS_PER_REGION)
            ]
            for r in regions
        },
    }
    return users


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def plan_case(rng: random.Random, now: datetime.datetime) -> dict:
    """The dates and state of one case, as far along CII101 as its age allows."""
    reported = now - days(rng.uniform(0, 3 * 365))
    fields = {"reported_at": reported, "state": CaseState.REPORTED}
    meeting = reported + days(rng.uniform(3, 20))
    if meeting > now:
        return fields
    fields.update(meeting_decided_at=meeting, state=rng.choice([CaseState.ROUND_TABLE, CaseState.ASSESSMENT]))
    if rng.random() < 0.1:
        fields["state"] = CaseState.NO_CASE_MANAGEMENT
        return fields
    designated = meeting + days(rng.uniform(10, 45))
    if designated > now:
        return fields
    fields.update(cm_designated_at=designated, state=CaseState.CM_DESIGNATED)
    first_meeting = designated + days(rng.uniform(3, 20))
    if first_meeting > now:
        return fields
    fields.update(first_meeting_on=timezone.localdate(first_meeting), state=CaseState.PLAN_PREPARATION)
    submitted = first_meeting + days(rng.uniform(15, 60))
    if rng.random() < 0.08:  # interrupted before the plan was validated
        return _exit(rng, fields, first_meeting + days(rng.uniform(10, 90)), now, ExitOutcome.INTERRUPTED)
    if submitted > now:
        return fields
    fields.update(plan_submitted_at=submitted, state=CaseState.PLAN_VALIDATION)
    validated = submitted + days(rng.uniform(2, 20))
    if validated > now:
        return fields
    fields.update(plan_validated_at=validated, state=CaseState.IMPLEMENTATION)
    exit_at = validated + days(rng.uniform(90, 420))
    outcome = rng.choices([ExitOutcome.PLACED, ExitOutcome.OTHER_SERVICE, ExitOutcome.INTERRUPTED], [45, 35, 20])[0]
    return _exit(rng, fields, exit_at, now, outcome)


def _exit(rng, fields, exit_at, now, outcome) -> dict:
    if exit_at > now:
        return fields
    if outcome == ExitOutcome.INTERRUPTED:
        fields["interrupted_at"] = exit_at - days(rng.uniform(1, 10))
    fields.update(state=CaseState.EXIT_REPORT, outcome=outcome)
    submitted = exit_at + days(rng.uniform(3, 30))
    if submitted > now:
        return fields
    fields.update(exit_reported_at=submitted, state=CaseState.AWAITING_CLOSURE)
    closed = submitted + days(rng.uniform(2, 30))
    if closed > now:
        return fields
    fields.update(closed_at=closed, state=CaseState.CLOSED)
    return fields


def fill(n: int) -> dict:
    call_command("migrate", verbosity=0)
    existing = Case.objects.count()
    if existing:
        if existing != n:
            sys.exit(f"The database already holds {existing} cases: use an empty database for {n}.")
        return load_users()
    rng = random.Random(7)
    regions, themes = list(Region.objects.order_by("pk")), list(Theme.objects.order_by("pk"))
    institutions = list(Institution.objects.order_by("pk"))
    users = make_users(regions, themes, institutions)
    author = users["officer"]
    now = timezone.now()
    through = Case.institutions.through
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        persons = Person.objects.bulk_create(
            Person(
                first_name="Bench",
                last_name=f"Person {start + i}",
                birth_date=datetime.date(1970 + i % 35, 1 + i % 12, 1 + i % 28),
                sex="f" if i % 2 else "m",
                language="de" if i % 3 else "fr",
            )
            for i in range(size)
        )
        plans, outcomes = [], []
        for i, person in enumerate(persons):
            fields = plan_case(rng, now)
            region = rng.choice(regions)
            theme = rng.choices([None, *themes], [70, 20, 10][: len(themes) + 1])[0]
            reporting = rng.choice(institutions)
            cm = rng.choice(users["cms"][region.pk]) if fields.get("cm_designated_at") or fields.get("interrupted_at") else None
            outcome = fields.pop("outcome", None)
            plans.append(
                Case(
                    reference=f"BENCH-{start + i:07d}",
                    person=person,
                    reporting_institution=reporting,
                    reported_by=author,
                    region=region,
                    theme=theme,
                    reason="Benchmark",
                    case_manager=cm,
                    coordinator=users["thematic"][theme.pk] if theme else users["coordinator"][region.pk],
                    **fields,
                    outcome=outcome if fields["state"] == CaseState.CLOSED else "",  # recorded at closure
                )
            )
            outcomes.append(outcome)
        cases = Case.objects.bulk_create(plans)
        links, action_plans, reviews, poas, reports = [], [], [], [], []
        for case, outcome in zip(cases, outcomes):
            involved = {case.reporting_institution_id, *rng.sample([i.pk for i in institutions], rng.choice([1, 2]))}
            links += [through(case_id=case.pk, institution_id=pk) for pk in involved]
            if case.cm_designated_at and case.state != CaseState.CM_DESIGNATED:
                signed = timezone.localdate(case.cm_designated_at) + days(rng.uniform(0, 20))
                if rng.random() < 0.1:  # a power of attorney that ran out
                    signed -= days(400)
                poas.append(PowerOfAttorney(case=case, signed_on=signed, valid_until=one_year_after(signed), recorded_by=author))
            if case.plan_validated_at:
                action_plans.append(
                    ActionPlan(
                        case=case,
                        version=1,
                        status=PlanStatus.VALIDATED,
                        author=author,
                        submitted_at=case.plan_submitted_at,
                        decided_at=case.plan_validated_at,
                    )
                )
                end = case.exit_reported_at or now
                held = case.plan_validated_at
                while rng.random() < 0.85:
                    held += days(rng.uniform(60, 110))
                    if held > end:
                        break
                    for kind in (ReviewKind.WITH_PERSON, ReviewKind.TEAM):
                        reviews.append(
                            Review(case=case, kind=kind, held_on=timezone.localdate(held), summary="Bench", author=author)
                        )
            if outcome:
                reports.append(
                    ExitReport(case=case, outcome=outcome, summary="Bench", author=author, submitted_at=case.exit_reported_at)
                )
        through.objects.bulk_create(links)
        PowerOfAttorney.objects.bulk_create(poas)
        ActionPlan.objects.bulk_create(action_plans)
        Review.objects.bulk_create(reviews)
        ExitReport.objects.bulk_create(reports)
    started = time.perf_counter()
    deadlines.refresh_kept_dates(Case.objects.all())  # bulk_create bypasses the actions that keep them
    print(f"kept deadline dates computed in {time.perf_counter() - started:.1f} s")
    return load_users()


def load_users() -> dict:
    return {
        "officer": User.objects.get(username="bench-officer"),
        "coordinator (Oberwallis)": User.objects.get(username="bench-coordinator-ow"),
        "thematic coordinator (youth)": User.objects.get(username="bench-coordinator-youth"),
        "case manager": User.objects.get(username="bench-cm-ow-0"),
        "steering": User.objects.get(username="bench-steering"),
    }


def measure(client: Client, url: str) -> tuple[float, int, int]:
    """Median server time (ms) of RUNS requests after a warm-up, the queries and the status."""
    response = client.get(url)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(times), len(queries), response.status_code


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    n = int(numbers[0]) if numbers else 100_000
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host name
    started = time.perf_counter()
    users = fill(n)
    print(f"{connection.vendor}: {Case.objects.count()} cases ready in {time.perf_counter() - started:.1f} s")
    by_state = dict(Case.objects.order_by().values_list("state").annotate(n=Count("pk")))
    print("  by state: " + ", ".join(f"{state} {count}" for state, count in sorted(by_state.items())))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: fresh statistics, index-only scans
    pages = [
        ("officer", "cases:dashboard", ""),
        ("officer", "cases:dashboard", "?theme=none&date_from=2024-01-01"),
        ("coordinator (Oberwallis)", "cases:dashboard", ""),
        ("thematic coordinator (youth)", "cases:dashboard", ""),
        ("case manager", "cases:dashboard", ""),
        ("steering", "cases:statistics", ""),
        ("officer", "cases:statistics", f"?year={timezone.localdate().year - 1}"),
        # The pages beside them: the case list a count links to, and My tasks.
        ("officer", "cases:list", "?overdue=1"),
        ("coordinator (Oberwallis)", "cases:my_tasks", ""),
        ("case manager", "cases:my_tasks", ""),
    ]
    print(f"{'page':<28} {'user':<30} {'median ms':>10} {'queries':>8}")
    for who, name, query in pages:
        client = Client()
        client.force_login(users[who])
        ms, queries, status = measure(client, reverse(name) + query)
        assert status == 200, (who, name, status)
        print(f"{name + query:<28.28} {who:<30} {ms:>10.0f} {queries:>8}")


if __name__ == "__main__":
    main()
