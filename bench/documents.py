"""Time the rendering of every PDF document (not run by the tests).

    .venv/bin/python bench/documents.py          # 20 warm renders of each
    .venv/bin/python bench/documents.py 50

Uses a SQLite database of its own in the temporary directory, recreated on each run, with
the demo users and two closed cases built by the real actions (a German and a French
person). For each document (cases/documents/rendering.py) it times the first render in this process
(the very first one also loads the fonts) and the average of N further renders, and prints
a table with the pages and the size of each PDF; then the same for the merged PDF of the
print queue (cases/documents/printqueue.py) with 10 documents; last, the right-of-access
export (PDF, through the view) of a person whose two reviews hold 20,000 characters without
a space (issue 18: every PDF renders in bounded time whatever the text; target under 10 s).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DB = Path(tempfile.gettempdir()) / "iiz-documents-bench.sqlite3"
DB.unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iiz.settings")
# The pages are timed as a signed-in user sees them (force_login: no second factor asked).
os.environ.setdefault("IIZ_OTP_REQUIRED_ROLES", "")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from cases import actions  # noqa: E402
from cases.demo.walk import Cast, walk  # noqa: E402
from cases.documents import rendering  # noqa: E402
from cases.documents.printqueue import QueueItem  # noqa: E402
from cases.models import ActionPlan  # noqa: E402
from roles.models import Institution, Region, User  # noqa: E402


def build_cases():
    call_command("migrate", verbosity=0)
    from cases.demo.users import seed_users

    seed_users()
    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    from cases.models import Person

    cases = []
    for language, first, last in (("de", "Jürg", "Zürcher"), ("fr", "Hélène", "Crettenand")):
        person = Person(
            first_name=first,
            last_name=last,
            birth_date="1985-04-12",
            sex="f",
            language=language,
            street="Bahnhofstrasse 1",
            postcode="3900",
            city="Brig",
        )
        case = actions.report_case(
            by=users["frontline-rav-ow"],
            person=person,
            reporting_institution=rav,
            institutions=[rav, social],
            region=Region.objects.get(code="ow"),
            theme=None,
            reason="Benchmark",
        )
        cases.append(walk(case, "closed", cast))
    return cases


def long_texts_export():
    """The right-of-access PDF of a person whose two reviews hold 20,000 characters without a
    space, each corrected once (printed in the reviews, the journal and the change history):
    a function that renders it through the view, as the officer downloads it."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import Person, Review, ReviewDecision, ReviewKind

    users = {u.username: u for u in User.objects.all()}
    rav = Institution.objects.get(code="rav")
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    person = Person(first_name="Lange", last_name="Notiz", birth_date="1980-01-01", sex="m", language="de")
    case = actions.report_case(
        by=users["frontline-rav-ow"],
        person=person,
        reporting_institution=rav,
        institutions=[rav],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Benchmark",
    )
    case = walk(case, "implementation", cast)
    unbroken = "x" * 20_000
    for day in (1, 2):
        review = Review(kind=ReviewKind.TEAM, held_on=timezone.localdate(), summary=unbroken, decision=ReviewDecision.CONTINUE)
        review = actions.record_review(case, by=users["coordinator-ow"], review=review)
        review.summary = unbroken[:-day] + "y" * day
        review._history_user = users["coordinator-ow"]
        review.save()
    client = Client()
    client.force_login(users["officer"])
    url = reverse("cases:person_export", kwargs={"person_pk": case.person_id, "fmt": "pdf"})

    def render() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    return render


def timed(render, n: int) -> tuple[float, float, int, int]:
    """(first render ms, warm average ms, pages, bytes)."""
    started = time.perf_counter()
    pdf = render()
    first = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(n):
        started = time.perf_counter()
        render()
        warm.append((time.perf_counter() - started) * 1000)
    return first, statistics.mean(warm), len(PdfReader(io.BytesIO(pdf)).pages), len(pdf)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    german, french = build_cases()
    rows = []
    for case in (german, french):
        plan = ActionPlan.objects.filter(case=case).first()
        language = case.person.language
        rows += [
            (f"action plan ({language})", lambda plan=plan: rendering.render_action_plan(plan)),
            (f"exit report ({language})", lambda case=case: rendering.render_exit_report(case.exit_report)),
            (f"closure letter ({language})", lambda case=case: rendering.render_closure_letter(case.closure)),
            (f"power of attorney form ({language})", lambda case=case: rendering.render_power_of_attorney_form(case)),
            (f"review minutes ({language})", lambda case=case: rendering.render_review_minutes(case.reviews.first())),
        ]
    rows.append(("letterhead preview (de)", lambda: rendering.render_letterhead_preview(language="de")))
    items = [
        QueueItem("plan", german, plan=ActionPlan.objects.filter(case=german).first()),
        QueueItem("closure_letter", french, closure=french.closure),
        QueueItem("poa_form", german),
    ] * 3
    items.append(QueueItem("closure_letter", german, closure=german.closure))
    rows.append((f"print queue, merged PDF of {len(items)}", lambda: rendering.merge_pdfs([item.render() for item in items])))
    rows.append(("right of access, 2 × 20,000 unbroken chars", long_texts_export()))

    print(f"{'document':<38} {'first ms':>9} {f'warm ms (n={n})':>16} {'pages':>6} {'KB':>6}")
    for label, render in rows:
        first, warm, pages, size = timed(render, min(n, 2) if label.startswith("right of access") else n)
        print(f"{label:<38} {first:>9.0f} {warm:>16.1f} {pages:>6} {size / 1024:>6.0f}")


if __name__ == "__main__":
    main()
