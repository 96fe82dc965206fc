"""The permission matrix of docs/permissions.md, checked: every URL pattern × every demo
role × a case in the role's scope and one outside it.

The tables in docs/permissions.md are the expectation; a URL without a row fails, and so
does a row whose answer differs. Cells: an HTTP status of a GET, or ``login`` (sent to
the login page), or ``staff`` (an admin page the user may open: not sent to the login).
Outside the scope every case URL answers 404 for every role (the officer and the
secretariat have no "outside").

To print the table of actual answers: IIZ_MATRIX_PRINT=1 pytest tests/test_permission_matrix.py -s
"""

import datetime
import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import PDF
from tests.urlwalk import all_routes

ROOT = Path(__file__).resolve().parent.parent
ROLES = [
    "officer",
    "secretariat",
    "coordinator",
    "thematic coordinator",
    "contact person",
    "front-line worker",
    "case manager",
    "legal",
    "steering",
]
DEMO_USER = {
    "officer": "officer",
    "secretariat": "secretariat",
    "coordinator": "coordinator-ow",
    "thematic coordinator": "coordinator-youth",
    "contact person": "contact-rav-ow",
    "front-line worker": "frontline-rav-ow",
    "case manager": "casemanager-ow",
    "legal": "legal",
    "steering": "steering",
}
SEES_EVERYTHING = {"officer", "secretariat"}
DEFAULT_STATE = "implementation"  # for rows not yet in the doc, when printing


def parse_tables() -> dict[str, dict[str, dict]]:
    """{"case": {url: {"state": s, role: cell}}, "other": {url: {role: cell}}} from the doc."""
    text = (ROOT / "docs" / "permissions.md").read_text()
    tables = {}
    for kind, heading in (("case", "## Case pages"), ("other", "## Other pages")):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        lines = [line for line in section.splitlines() if line.startswith("|")]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = {}
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip("|").split("|")]
            row = dict(zip(header, cells))
            name = row.pop(header[0]).strip("`")
            rows[name] = row
        tables[kind] = rows
    return tables


# URLs about one case (or one person's cases): everything under /cases/<id>/ and /cases/persons/.
CASE_ROUTE_NAMES = {r.name for r in all_routes() if r.path.startswith(("/cases/1/", "/cases/persons/"))}


def build_cases():
    """One case per state needed, for regional and for theme (youth) roles, plus one case
    in Unterwallis that is outside every tested role's scope (except officer, secretariat)."""
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, Theme, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social, ai = (Institution.objects.get(code=c) for c in ("rav", "social", "ai"))

    def make(state, *, theme=None, region="ow", reporter="frontline-rav-ow", cm="casemanager-ow", coordinator="coordinator-ow"):
        case = actions.report_case(
            by=users[reporter],
            person=PersonFactory.build(),
            reporting_institution=rav if region == "ow" else ai,
            institutions=[rav, social] if region == "ow" else [ai, social],
            region=Region.objects.get(code=region),
            theme=Theme.objects.get(code=theme) if theme else None,
            reason="Matrix",
        )
        return walk(case, state, Cast(coordinator=users[coordinator], case_manager=users[cm], officer=users["officer"]))

    return make


def url_for(name: str, case) -> str:
    """The URL of ``name`` for ``case``, every parameter filled from the case's records."""
    from cases.models import CaseGrant

    kwargs = {}
    for param in _param_names(name):
        if param == "pk":
            kwargs[param] = case.pk
        elif param == "person_pk":
            kwargs[param] = case.person_id
        elif param == "meeting_pk":
            kwargs[param] = case.meetings.order_by("-pk").first().pk
        elif param == "version":
            kwargs[param] = case.plans.order_by("version").first().version
        elif param == "name":
            kwargs[param] = "plan_round_table"
        elif param == "grant_id":
            kwargs[param] = CaseGrant.objects.filter(content_object=case).first().pk
        elif param == "fmt":
            kwargs[param] = "json"
        elif param == "review_pk":
            kwargs[param] = matrix_review(case).pk
        elif param == "file_pk":
            kwargs[param] = matrix_file(case).pk
        elif param == "dispute_pk":
            kwargs[param] = matrix_dispute(case).pk
        elif param == "step":
            kwargs[param] = "record_dispute_exchange"
        else:
            raise AssertionError(f"the matrix test does not know how to fill <{param}> of {name}")
    return reverse(name, kwargs=kwargs)


def matrix_review(case):
    """A review of ``case``: its own, or a team review its coordinator records (a case in
    implementation, e.g. the one outside the scope)."""
    from cases import actions
    from cases.models import Review

    existing = case.reviews.order_by("pk").first()
    if existing is not None:
        return existing
    review = Review(kind="team", held_on=datetime.date.today(), summary="Matrix", decision="continue")
    return actions.record_review(case, by=case.coordinator, review=review)


def matrix_file(case):
    """A file of ``case`` (an attachment filed by the officer) for the URLs that name one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import actions
    from cases.models import CaseFile
    from roles.models import User

    existing = CaseFile.objects.filter(case=case).first()
    if existing is not None:
        return existing
    upload = SimpleUploadedFile("Matrix.pdf", PDF, content_type="application/pdf")
    return actions.add_attachment(case, by=User.objects.get(username="officer"), upload=upload, category="other")


def build_commission(make) -> dict:
    """A funding request with an attachment on the agenda of a sitting (a case of Oberwallis
    in implementation): the objects the legal commission's URLs name."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.commission import actions
    from roles.models import Institution, User

    case = make("implementation")
    officer = User.objects.get(username="officer")
    request = actions.request_funding(
        case,
        by=User.objects.get(username="casemanager-ow"),
        kind="pre_financing",
        amount=1000,
        justification="Matrix",
        proposed_measure="Matrix",
        paying_institution=Institution.objects.get(code="ai"),
        uploads=[SimpleUploadedFile("Matrix.pdf", PDF, content_type="application/pdf")],
    )
    sitting = actions.schedule_sitting(by=officer, held_on=datetime.date.today(), place="Sitten")
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    return {
        "request_pk": request.pk,
        "sitting_pk": sitting.pk,
        "file_pk": request.attachments.get().pk,
        "language": "de",
    }


def other_path(route, objects: dict) -> str:
    """The path of a URL that is about no case: with the objects of ``objects`` for the
    parameters it names (the commission's), else with the sample arguments."""
    params = _param_names(route.name) if ":" in route.name or route.name.isidentifier() else []
    if params and all(param in objects for param in params):
        return reverse(route.name, kwargs={param: objects[param] for param in params})
    return route.path


def matrix_dispute(case):
    """A dispute of ``case`` (recorded by its coordinator) for the URLs that name one."""
    from cases.disputes import actions

    existing = case.disputes.order_by("pk").first()
    if existing is not None:
        return existing
    return actions.record_dispute(
        case,
        by=case.coordinator,
        institutions=list(case.institutions.all()),
        subject="costs",
        description="Matrix",
        proposal="Matrix",
    )


def scheduled_meeting(make) -> dict:
    """An assessment of Oberwallis scheduled by the secretariat (cases/scheduling), the
    coordinator, a contact person and the person invited, and the officer's calendar feed
    token: the values of the parameters of the scheduling URLs outside a case."""
    from cases.scheduling import actions as scheduling
    from roles.models import User

    users = {
        u.username: u for u in User.objects.filter(username__in=["secretariat", "coordinator-ow", "contact-rav-ow", "officer"])
    }
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)
    meeting = scheduling.schedule_case_meeting(
        make("assessment"),
        by=users["secretariat"],
        when=scheduling.When(start, start + datetime.timedelta(hours=2), "Brig"),
        invitees=[
            scheduling.Invitee(user=users["coordinator-ow"]),
            scheduling.Invitee(user=users["contact-rav-ow"]),
            scheduling.Invitee(person=True),
        ],
    )
    return {
        "meeting_pk": meeting.pk,
        "participant_pk": meeting.participants.filter(user__isnull=False).first().pk,
        "item_pk": meeting.agenda.get().pk,
        "token": scheduling.new_feed_token(by=users["officer"]),
    }


def _param_names(name: str) -> list[str]:
    from django.urls import get_resolver

    resolver = get_resolver()
    namespace, _, short = name.rpartition(":")
    if namespace:
        resolver = resolver.namespace_dict[namespace][1]
    possibilities = resolver.reverse_dict.getlist(short)
    return list(possibilities[0][0][0][1]) if possibilities else []


def answer(client: Client, url: str, *, post: bool = False) -> str:
    response = client.post(url) if post else client.get(url)
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith(reverse("login")) or location.startswith(reverse("admin:login")):
            return "login"
    return str(response.status_code)


@pytest.mark.django_db
def test_every_url_answers_every_role_as_the_matrix_says(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path  # files filed for the URLs that name one
    from cases import actions
    from cases.demo.users import seed_users
    from roles.models import User

    seed_users()
    tables = parse_tables()
    routes = all_routes()
    case_routes = [r for r in routes if r.name in CASE_ROUTE_NAMES]
    other_routes = [r for r in routes if r.name not in CASE_ROUTE_NAMES]

    # Every URL has a row (admin pages are one row: admin:*).
    missing = [r.name for r in case_routes if r.name not in tables["case"]]
    missing += [r.name for r in other_routes if r.name not in tables["other"] and not r.path.startswith("/admin/")]
    printing = bool(os.environ.get("IIZ_MATRIX_PRINT"))
    assert printing or not missing, f"URLs without an entry in docs/permissions.md: {missing}"

    make = build_cases()
    regional, youth = {}, {}
    outside = make("implementation", region="uw", reporter="contact-ai-uw", cm="casemanager-uw", coordinator="coordinator-uw")
    officer = User.objects.get(username="officer")
    reader = User.objects.get(username="contact-ai-uw")

    def share(case):  # a grant on each open case, so that the revoke URL has one to name
        if case.is_final:
            return
        actions.grant_access(
            case, by=officer, user=reader, permission="view_case", valid_until=datetime.date.today(), reason="Matrix"
        )

    share(outside)
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=DEMO_USER[role]))

    actual: dict[str, dict[str, str]] = {}
    wrong = []
    for route in case_routes:
        row = tables["case"].get(route.name) or {"state": DEFAULT_STATE, **{r: "?" for r in ROLES}}
        state = row["state"]
        if state not in regional:
            regional[state] = make(state)
            youth[state] = make(state, theme="youth", coordinator="coordinator-youth")
            share(regional[state])
            share(youth[state])
        actual[route.name] = {"state": state}
        for role in ROLES:
            case = youth[state] if role == "thematic coordinator" else regional[state]
            got = answer(clients[role], url_for(route.name, case))
            actual[route.name][role] = got
            if got != row[role]:
                wrong.append(f"{route.name} as {role} (in scope): expected {row[role]}, got {got}")
            if role not in SEES_EVERYTHING:
                # POST-only pages answer a GET with 405 before anything else: ask them by POST.
                post_only = all(row[r] == "405" for r in ROLES)
                got_outside = answer(clients[role], url_for(route.name, outside), post=post_only)
                if got_outside != "404":
                    wrong.append(f"{route.name} as {role} (out of scope): expected 404, got {got_outside}")
    # The objects the URLs outside a case name: the commission's and the scheduling's.
    objects = {**build_commission(make), **scheduled_meeting(make)}
    for route in other_routes:
        # The admin's pages are one row ("admin:*"), but for those the doc names on their own.
        key = "admin:*" if route.path.startswith("/admin/") and route.name not in tables["other"] else route.name
        row = tables["other"].get(key) or {r: "?" for r in ROLES}
        actual.setdefault(key, {})
        for role in ROLES:
            got = answer(clients[role], other_path(route, objects))
            if key == "admin:*":
                got = "login" if got == "login" else "staff"
            actual[key][role] = got
            if got != row[role]:
                wrong.append(f"{route.name} ({route.path}) as {role}: expected {row[role]}, got {got}")
    if printing:
        print_tables(actual)
    assert not wrong, "\n".join(wrong)


def print_tables(actual):
    print("\n## Case pages\n")
    print("| URL | state | " + " | ".join(ROLES) + " |")
    print("|---|---|" + "---|" * len(ROLES))
    for name, row in actual.items():
        if "state" in row:
            print(f"| `{name}` | {row['state']} | " + " | ".join(row[r] for r in ROLES) + " |")
    print("\n## Other pages\n")
    print("| URL | " + " | ".join(ROLES) + " |")
    print("|---|" + "---|" * len(ROLES))
    for name, row in actual.items():
        if "state" not in row:
            print(f"| `{name}` | " + " | ".join(row[r] for r in ROLES) + " |")
