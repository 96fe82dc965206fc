"""Plain helpers shared by the tests (fixtures are in tests/conftest.py and
tests/cases/conftest.py): moments in local time, what a response or a PDF says, a case's
records, sample file contents and form data."""

import contextlib
import datetime
import io
from zoneinfo import ZoneInfo

import pypdf
from django.contrib.messages import get_messages
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cases.models import ActionPlan, Case, Measure, MeetingDecision, PowerOfAttorney
from roles.models import User
from tests.factories import PersonFactory, institution

ZURICH = ZoneInfo("Europe/Zurich")


@contextlib.contextmanager
def module_data(django_db_blocker):
    """For a module-scoped fixture: a transaction around the data it creates, rolled back at
    the end of the module (each test that asks for ``db`` runs in a savepoint within it)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    """A moment in local time (Europe/Zurich), 10:00 unless told."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZURICH)


# --- responses and PDFs ----------------------------------------------------------------------


def messages_of(response) -> list[str]:
    """The texts of the messages (django.contrib.messages) of the request behind ``response``."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def field_errors(html: str, name: str) -> str:
    """The error messages shown under the form field ``name`` of a page ("" when none)."""
    marker = f'id="id_{name}-errors"'
    return html.split(marker)[1].split("</div></div>")[0] if marker in html else ""


def pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF."""
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    """The text of a whole PDF."""
    return "\n".join(pages(pdf))


# --- users and a case's records ---------------------------------------------------------------


def fresh(user):
    """The user as a new request sees it (memberships and grants read anew)."""
    return User.objects.get(pk=user.pk)


def state_of(case) -> str:
    """The state of ``case`` as stored now."""
    return Case.objects.get(pk=case.pk).state


def plan_of(case, version=1) -> ActionPlan:
    return ActionPlan.objects.get(case=case, version=version)


def signed_power_of_attorney(case, by, signed_on: datetime.date | None = None) -> PowerOfAttorney:
    """The person signed a power of attorney (today unless told) for the case's
    institutions, recorded by ``by``: a review with the person can then check it "valid"."""
    from cases import actions

    day = signed_on or timezone.localdate()
    return actions.record_power_of_attorney(case, by=by, signed_on=day, institutions=case.institutions.all())


def person(language="de", **fields):
    """An unsaved person writing in ``language``: Jürg Zürcher of Brig-Glis (de) or
    Hélène Zürcher of Sion (fr)."""
    values = {
        "first_name": "Jürg",
        "last_name": "Zürcher",
        "sex": "m",
        "street": "Rhonesandstrasse 7",
        "postcode": "3900",
        "city": "Brig-Glis",
    }
    if language == "fr":
        values = {
            "first_name": "Hélène",
            "last_name": "Zürcher",
            "sex": "f",
            "street": "Rue du Rhône 12",
            "postcode": "1950",
            "city": "Sion",
        }
    return PersonFactory.build(language=language, **{**values, **fields})


def catalogue_measures() -> list[dict]:
    """Three measures for ``actions.save_plan``: "Arbeitsversuch" from the catalogue (its
    title copied in German) at the employer Lonza AG, Visp; "Bewerbungscoaching" from the
    catalogue under a title of the case manager's own; "Sprachkurs B1", typed by hand."""
    from cases.models import CatalogueMeasure, EmployerContact
    from roles.models import Institution

    trial = CatalogueMeasure.objects.get(institution__code="ai", name_de="Arbeitsversuch")
    coaching = CatalogueMeasure.objects.get(institution__code="rav", name_de="Bewerbungscoaching")
    today = timezone.localdate()
    return [
        {
            "catalogue_measure": trial,
            "title": "Arbeitsversuch",
            "employer_contact": EmployerContact.objects.get(company="Lonza AG"),
            "responsible_institution": trial.institution,
            "starts_on": today,
        },
        {
            "catalogue_measure": coaching,
            "title": "Bewerbungen für den Detailhandel",
            "responsible_institution": coaching.institution,
            "starts_on": today,
        },
        {"title": "Sprachkurs B1", "responsible_institution": Institution.objects.get(code="social"), "starts_on": today},
    ]


# --- uploads and forms -------------------------------------------------------------------------


# File contents by type: the upload check goes by the content, not by the name.
# They are real files (a blank A4 page, an 8 × 8 image): the check opens them as well.
def _blank_pdf() -> bytes:
    out = io.BytesIO()
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


def _image(kind: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, kind)
    return out.getvalue()


PDF = _blank_pdf()
JPEG = _image("JPEG")
PNG = _image("PNG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32
TEXT = "Arztbericht: arbeitsfähig zu 50 %.\n".encode()


def plan_data(goals=(), measures=(), initial_goals=0, initial_measures=0, **fields):
    """The POST data of the action plan form (cases:edit_plan): goal texts, measure rows
    (dicts of the fields that differ from an empty planned measure) and other fields (the
    resources data sheet beside it: "resources-<field>", left as it is unless given)."""
    data = {
        "notes": "",
        "signature_place": "Brig",
        "signed_by_person_on": "",
        "signed_by_cm_on": "",
        "goals-TOTAL_FORMS": str(len(goals)),
        "goals-INITIAL_FORMS": str(initial_goals),
        "measures-TOTAL_FORMS": str(len(measures)),
        "measures-INITIAL_FORMS": str(initial_measures),
    }
    for i, goal in enumerate(goals):
        data[f"goals-{i}-text"] = goal
    for i, row in enumerate(measures):
        row = {
            "id": "",
            "catalogue_measure": "",
            "title": "",
            "responsible_institution": "",
            "starts_on": "",
            "due_on": "",
            "status": "planned",
            "result": "",
            **row,
        }
        for key, value in row.items():
            data[f"measures-{i}-{key}"] = value
    data.update(fields)
    return data


def meeting_data(cm=None, participants=(), **overrides):
    """The POST data of the round table's or assessment's form (cases:meeting): held today,
    case management with ``cm`` as case manager, the ``participants`` rows."""
    data = {
        "scheduled_for": "",
        "place": "Brig, RAV-Sitzungszimmer",
        "held_on": timezone.localdate().isoformat(),
        "work_capacity": "50",
        "medical_situation": "Rückenleiden, leichte Tätigkeit möglich.",
        "employability": "Gute Chancen im Verkauf.",
        "social_situation": "Sozialhilfe seit 2024.",
        "result": "Case Management empfohlen.",
        "action_options": "Arbeitstraining, Bewerbungscoaching.",
        "decision": MeetingDecision.CASE_MANAGEMENT,
        "decision_reason": "",
        "lead_institution": str(institution("rav").pk),
        "designated_cm": str(cm.pk) if cm else "",
        "participants-TOTAL_FORMS": str(len(participants)),
        "participants-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(participants):
        for key in ("user", "name", "organisation", "function"):
            data[f"participants-{i}-{key}"] = row.get(key, "")
    data.update(overrides)
    return data


def review_data(case, statuses=None, **overrides):
    """The POST data of the review form (cases:new_review): a review with the person today,
    one progress row per measure of the validated plan (``statuses``, running by default)."""
    measures = list(Measure.objects.filter(plan__case=case, plan__status="validated").order_by("position", "pk"))
    statuses = statuses or ["running"] * len(measures)
    data = {
        "kind": "with_person",
        "held_on": timezone.localdate().isoformat(),
        "summary": "Bewerbungen laufen, Arbeitstraining begonnen.",
        "poa_check": "valid",
        "network_informed": "on",
        "decision": "continue",
        "progress-TOTAL_FORMS": str(len(measures)),
        "progress-INITIAL_FORMS": str(len(measures)),
    }
    for i, (measure, status) in enumerate(zip(measures, statuses)):
        data[f"progress-{i}-measure_id"] = str(measure.pk)
        data[f"progress-{i}-status"] = status
        data[f"progress-{i}-note"] = f"Stand {i}"
    data.update(overrides)
    return data


def journal_texts(case, language: str = "de") -> list[str]:
    """What the case's journal says, oldest first, as a reader in ``language`` reads it."""
    from django.utils import translation

    from cases.audit import events

    with translation.override(language):
        return [events.render(entry) for entry in case.journal.order_by("at", "pk")]


def migrate_around(migration: tuple[str, str], *, before: bool):
    """Migrate to the state just before ``migration`` (its parents in its app), or to the newest
    state of every app; return the apps of that state (for the historical models)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if before:
        targets = [parent.key for parent in graph.node_map[migration].parents if parent.key[0] == migration[0]]
    else:
        targets = graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def intake_data(**changes) -> dict:
    """The new-case form's POST data (the person and the report), with ``changes``."""
    from tests.factories import region

    data = {
        "person-first_name": "Anna",
        "person-last_name": "Muster",
        "person-birth_date": "1980-05-17",
        "person-ahv_number": "7569217076985",
        "person-sex": "f",
        "person-language": "de",
        "person-street": "Furkastrasse 3",
        "person-postcode": "3900",
        "person-city": "Brig",
        "person-phone": "027 123 45 67",
        "person-email": "anna@example.ch",
        "report-reporting_institution": institution("rav").pk,
        "report-institutions": [institution("rav").pk, institution("social").pk],
        "report-region": region("ow").pk,
        "report-theme": "",
        "report-reason": "Langzeitarbeitslos seit zwei Jahren.",
    }
    data.update(changes)
    return data
