"""Time My tasks of each role and the other lists that grow (the print queue, the files, the
access log and the change history of a busy case) over N cases (not run by the tests).

    .venv/bin/python bench/tasks.py 100000
    .venv/bin/python bench/tasks.py 100000 --keep   # reuse the SQLite file of the last run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iiz_bench_tasks .venv/bin/python bench/tasks.py 100000

The cases are those of bench/dashboards.py (``fill``: three years of cases in every state,
the same database can serve both scripts). This script adds a secretariat user and one busy
case with ``BUSY`` access-log entries, files and changes of its person, then measures the
server time of each page (the median of several requests after a warm-up, Django's test
client with ``force_login``), counts its queries and sums the time its queries took in the
database (the median, too). The figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_DB = Path(tempfile.gettempdir()) / "iiz-tasks-bench.sqlite3"
if "DATABASE_URL" not in os.environ:
    if "--keep" not in sys.argv:
        DEFAULT_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iiz.settings")
# The pages are timed as a signed-in user sees them (force_login: no second factor asked).
os.environ.setdefault("IIZ_OTP_REQUIRED_ROLES", "")

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import dashboards  # noqa: E402  (sets Django up on the database chosen above)
from cases.audit import chain  # noqa: E402
from cases.models import AccessKind, AccessLog, Case, CaseFile, CaseState, FileCategory  # noqa: E402
from roles.models import Membership, Role, User  # noqa: E402

# Rows of each growing list of the busy case: several pages of each.
BUSY = 2000


def busy_case(officer: User) -> Case:
    """A case in implementation with BUSY access-log entries, BUSY / 10 files and BUSY / 10
    changes of its person (the change history), made once."""
    case = Case.objects.filter(state=CaseState.IMPLEMENTATION).order_by("pk").first()
    if AccessLog.objects.filter(case=case).count() >= BUSY:
        return case
    rows = [AccessLog(case=case, user=officer, kind=AccessKind.VIEW, detail="case page") for _i in range(BUSY)]
    with transaction.atomic():
        chain.seal(rows)  # chained like the application's rows: verify_audit stays green
        AccessLog.objects.bulk_create(rows)
    CaseFile.objects.bulk_create(  # the rows only: the list never opens the files
        CaseFile(
            case=case,
            category=FileCategory.OTHER,
            description=f"Bench {i}",
            file=f"bench/bench-{i}.pdf",
            original_name=f"bench-{i}.pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=officer,
        )
        for i in range(BUSY // 10)
    )
    person = case.person
    for i in range(BUSY // 10):
        person.phone = f"+41 27 000 {i:04d}"
        person.save()
    return case


def secretariat() -> User:
    user, made = User.objects.get_or_create(
        username="bench-secretariat", defaults={"first_name": "Bench", "last_name": "Secretariat"}
    )
    if made:
        Membership.objects.create(user=user, role=Role.SECRETARIAT, starts_on=datetime.date(2020, 1, 1))
    return user


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    n = int(numbers[0]) if numbers else 100_000
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    users = dashboards.fill(n)
    users["secretariat"] = secretariat()
    case = busy_case(users["officer"])
    print(f"{connection.vendor}: {Case.objects.count()} cases ready in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    pages = [
        ("coordinator (Oberwallis)", "cases:my_tasks", ()),
        ("thematic coordinator (youth)", "cases:my_tasks", ()),
        ("case manager", "cases:my_tasks", ()),
        ("officer", "cases:my_tasks", ()),
        ("secretariat", "cases:my_tasks", ()),
        # Any page shows "My tasks (n)": the count in the navigation, on the lightest page.
        ("coordinator (Oberwallis)", "home", ()),
        ("secretariat", "home", ()),
        ("secretariat", "cases:print_queue", ()),
        ("officer", "cases:files", (case.pk,)),
        ("officer", "cases:access_log", (case.pk,)),
        ("officer", "cases:history", (case.pk,)),
    ]
    print(f"{'page':<22} {'user':<30} {'median ms':>10} {'queries':>8} {'SQL ms':>7}")
    for who, name, args in pages:
        client = Client()
        client.force_login(users[who])
        url = reverse(name, args=args)
        ms, queries, status = dashboards.measure(client, url)
        assert status == 200, (who, name, status)
        print(f"{name:<22} {who:<30} {ms:>10.0f} {queries:>8} {sql_ms(client, url):>7.0f}")


def sql_ms(client: Client, url: str) -> float:
    """The time the database took for the queries of one request (the median of RUNS): what
    the page costs the database, apart from Python and the machine's other work."""
    times = []
    for _ in range(dashboards.RUNS):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
