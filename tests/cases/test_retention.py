"""Retention, then anonymisation (cases/retention, issue 18 point 10): when an ended case is
due, the nightly job removes every personal datum of it from every table, the change
history, the journal, the access log, the files and the exports, keeps the statistics,
re-chains the audit records (``verify_audit`` passes), skips held cases, keeps a person with
another case, and does nothing more when run again. On PostgreSQL (``DATABASE_URL``) the same
tests run against the append-only triggers."""

from __future__ import annotations

import datetime
import io
import zipfile

import pypdf
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases import actions, retention, worklists
from cases.audit import events
from cases.audit.access import log_access
from cases.commission import actions as commission_actions
from cases.demo.walk import walk
from cases.disputes import actions as dispute_actions
from cases.models import (
    AccessKind,
    Case,
    CaseFile,
    CaseState,
    FileCategory,
    JournalEntry,
    JournalKind,
    Person,
    PlanStatus,
    RetentionHold,
)
from tests.factories import institution, region
from tests.helpers import fresh, text

pytestmark = pytest.mark.django_db

SECRET = "Blaubeerkompottsyndrom"
PERSON = {
    "first_name": "Zebulon",
    "last_name": "Quaxmeier",
    "birth_date": datetime.date(1985, 4, 12),
    "ahv_number": "756.9217.0769.85",
    "sex": "m",
    "language": "de",
    "street": "Glyzinienweg 77",
    "postcode": "3930",
    "city": "Quaxdorf",
    "phone": "079 555 12 34",
    "email": "zebulon.q@example.ch",
}
# What must be gone: the person's data, a distinctive free text, and texts the flow's records
# hold (the walk's meeting, plan, review and exit report).
NEEDLES = [
    "Zebulon",
    "Quaxmeier",
    "756.9217.0769.85",
    "Glyzinienweg",
    "Quaxdorf",
    "079 555 12 34",
    "zebulon.q@example.ch",
    "1985-04-12",
    SECRET,
    "Bewerbungscoaching, Abkl",  # the meeting's possible actions
    "Stabile Anstellung",  # a goal
    "Alle Massnahmen abgeschlossen",  # the review's summary
    "Lonza AG, Visp",  # the exit report's employer
    "acht Monaten begleitet",  # the exit report's summary
    "Einverstanden.",  # the coordinator's comment on the validation (journal)
]


def _pdf_with(words: str) -> bytes:
    out = io.BytesIO()
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": words})
    writer.write(out)
    return out.getvalue()


def _as_text(value) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("utf-8", "ignore")
    return str(value)


def scan_tables(needles=NEEDLES) -> set[tuple[str, str]]:
    """(table, needle) for every needle found in any column of any table of the database."""
    found = set()
    lowered = [(needle, needle.lower()) for needle in needles]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    content = _as_text(value).lower()
                    found.update((table, needle) for needle, low in lowered if low in content)
    return found


def scan_files(root, needles=NEEDLES) -> set[tuple[str, str]]:
    found = set()
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            content = path.read_bytes().decode("latin-1").lower()
            found.update((path.name, needle) for needle in needles if needle.lower() in content)
    return found


def scan_exports(client, officer, person_pk: int, case: Case) -> set[tuple[str, str]]:
    """The needles in what the officer downloads or reads: the list's CSV and XLSX, the
    right-of-access export (JSON and PDF), the case page and its change history."""
    client.force_login(officer)
    found = set()
    contents = {}
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("cases:list_export", kwargs={"fmt": fmt}))
        assert response.status_code == 200
        body = b"".join(response) if response.streaming else response.content
        if fmt == "xlsx":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(name) for name in archive.namelist())
        contents[fmt] = body.decode("utf-8", "ignore")
    contents["json"] = client.get(reverse("cases:person_export", kwargs={"person_pk": person_pk, "fmt": "json"})).content.decode()
    contents["pdf"] = text(client.get(reverse("cases:person_export", kwargs={"person_pk": person_pk, "fmt": "pdf"})).content)
    contents["page"] = client.get(case.get_absolute_url()).content.decode()
    contents["history"] = client.get(reverse("cases:history", args=[case.pk])).content.decode()
    for where, content in contents.items():
        found.update((where, needle) for needle in NEEDLES if needle.lower() in content.lower())
    return found


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def report(frontline, person, reason=SECRET) -> Case:
    return actions.report_case(
        by=frontline,
        person=person,
        reporting_institution=institution("rav"),
        institutions=[institution("rav"), institution("social")],
        region=region("ow"),
        theme=None,
        reason=f"{reason}: Langzeitarbeitslos.",
    )


def ended_years_ago(case: Case, years: float) -> Case:
    """Move the end of the case back (the case table is no audit record)."""
    moment = timezone.now() - datetime.timedelta(days=round(365.25 * years))
    Case.objects.filter(pk=case.pk).update(closed_at=moment, updated_at=moment)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def full_case(media, frontline, cast, coordinator, case_manager, deputy, client):
    """A closed case of Zebulon Quaxmeier with his data everywhere: the reason, a corrected
    phone number (history), a note with his name, an attachment named after him, a funding
    request and a dispute that name him, an access
    grant, the access log (a search and an intake check by name), the flow's records."""
    case = report(frontline, Person(**PERSON))
    walk(case, CaseState.IMPLEMENTATION, cast)
    actions.correct_person(case, by=coordinator, fields={"phone": "079 555 12 35"}, version=None)
    actions.correct_person(case, by=coordinator, fields={"phone": PERSON["phone"]}, version=None)
    actions.add_journal_entry(case, by=case_manager, kind=JournalKind.NOTE, text=f"Zebulon Quaxmeier: {SECRET}.")
    actions.add_attachment(
        case,
        by=case_manager,
        upload=SimpleUploadedFile("Quaxmeier-Arztbericht.pdf", _pdf_with(SECRET), content_type="application/pdf"),
        category=FileCategory.MEDICAL_REPORT,
        description=f"Bericht {SECRET}",
    )
    # The legal commission's request and a dispute between institutions, in his words.
    commission_actions.request_funding(
        case,
        by=case_manager,
        kind="risk",
        amount=None,
        justification=f"Risiko {SECRET}",
        proposed_measure="Arbeitsversuch für Zebulon Quaxmeier",
    )
    dispute_actions.record_dispute(
        case,
        by=coordinator,
        institutions=[institution("rav"), institution("social")],
        subject="costs",
        description=f"Wer zahlt bei {SECRET}?",
        proposal="Zebulon Quaxmeier wird vom RAV begleitet",
    )
    actions.grant_access(
        case,
        by=coordinator,
        user=deputy,
        permission="view_case",
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
        reason=f"Vertretung wegen {SECRET}",
    )
    client.force_login(coordinator)
    assert client.get(reverse("cases:list"), {"q": "Quaxmeier"}).status_code == 200
    request = RequestFactory().get("/")
    request.user = frontline
    log_access(request, None, AccessKind.MATCH, "intake check: Quaxmeier, Zebulon, 1985-04-12, 756.9217.0769.85; no match")
    client.logout()
    walk(case, CaseState.CLOSED, cast)
    return ended_years_ago(case, 11)


# --- the rule --------------------------------------------------------------------------------


def test_a_case_is_due_the_configured_number_of_years_after_its_end(make_case, settings):
    settings.IIZ_RETENTION_YEARS = 10
    case = ended_years_ago(make_case("closed"), 9.9)
    assert not retention.due_cases().filter(pk=case.pk).exists()
    assert retention.due_cases(within_days=60).filter(pk=case.pk).exists()
    assert retention.anonymise_due() == 0
    settings.IIZ_RETENTION_YEARS = 9
    assert retention.due_cases().filter(pk=case.pk).exists()


def test_open_cases_are_never_due(make_case):
    case = make_case("implementation")
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - datetime.timedelta(days=365 * 30))
    assert not retention.due_cases().filter(pk=case.pk).exists()


def test_a_case_ended_without_case_management_counts_from_its_end(make_case):
    """It has no closure date: its end is its last change (a final case changes no more)."""
    case = make_case(CaseState.NO_CASE_MANAGEMENT)
    assert case.closed_at is None
    assert not retention.due_cases().filter(pk=case.pk).exists()
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - datetime.timedelta(days=365 * 11))
    assert retention.due_cases().filter(pk=case.pk).exists()


# --- no personal datum left anywhere ----------------------------------------------------------


def test_the_anonymisation_leaves_no_personal_datum_anywhere(full_case, officer, client, media):
    case = full_case
    person_pk = case.person_id
    # Before: every needle is somewhere (the scans can fail).
    before = {needle for _where, needle in scan_tables()}
    assert before == set(NEEDLES)
    assert {needle for _f, needle in scan_files(media)} == {SECRET}
    assert {needle for _w, needle in scan_exports(client, officer, person_pk, case)} >= {"Quaxmeier", SECRET, "Glyzinienweg"}
    stored = list(CaseFile.objects.filter(case=case).values_list("file", flat=True))
    assert stored and all((media / name).exists() for name in stored)

    assert retention.anonymise_due() == 1

    assert scan_tables() == set()
    assert scan_files(media) == set()
    assert not any(path.is_file() for path in media.rglob("*"))
    assert scan_exports(client, officer, person_pk, case) == set()
    call_command("verify_audit", stdout=io.StringIO())  # raises when a chain is broken


def test_the_anonymisation_deletes_the_stored_pdf_of_the_plan(full_case, officer, client, media):
    client.force_login(officer)
    plan = full_case.plans.exclude(status=PlanStatus.DRAFT).order_by("version").first()
    assert client.get(reverse("cases:plan_pdf", args=[full_case.pk, plan.version])).status_code == 200
    plan.refresh_from_db()
    stored = plan.pdf.name
    assert stored and (media / stored).exists()

    assert retention.anonymise_due() == 1

    assert not (media / stored).exists()
    plan.refresh_from_db()
    assert (plan.pdf.name, plan.pdf_digest) == ("", "")


def test_the_statistics_are_kept(full_case):
    fields = [
        "reference",
        "state",
        "reported_at",
        "cm_designated_at",
        "plan_validated_at",
        "exit_reported_at",
        "closed_at",
        "outcome",
        "region_id",
        "theme_id",
        "institutions_on_record",
        "reporting_institution_id",
        "lead_institution_id",
    ]
    before = Case.objects.filter(pk=full_case.pk).values(*fields).get()
    institutions = set(full_case.institutions.values_list("code", flat=True))
    person = Person.objects.get(pk=full_case.person_id)
    retention.anonymise_due()
    assert Case.objects.filter(pk=full_case.pk).values(*fields).get() == before
    assert set(full_case.institutions.values_list("code", flat=True)) == institutions == {"rav", "social"}
    anonymised = Person.objects.get(pk=person.pk)
    assert (anonymised.birth_date, anonymised.sex) == (datetime.date(1985, 1, 1), person.sex)
    assert (anonymised.first_name, anonymised.last_name, anonymised.ahv_number) == ("—", "—", "")


def test_the_anonymisation_is_journalled_without_personal_data_and_runs_once(full_case):
    assert retention.anonymise_due() == 1
    case = Case.objects.get(pk=full_case.pk)
    assert case.anonymised_at is not None
    entries = JournalEntry.objects.filter(case=case, event=events.CASE_ANONYMISED)
    assert [(e.author.username, e.text, e.params) for e in entries] == [
        (retention.JOB_USERNAME, "", {"years": retention.years()})
    ]
    assert not entries[0].author.is_active and not entries[0].author.has_usable_password()
    journal = JournalEntry.objects.filter(case=case).count()
    # Again: nothing to do, nothing written.
    assert retention.anonymise_due() == 0
    assert JournalEntry.objects.filter(case=case).count() == journal
    call_command("verify_audit", stdout=io.StringIO())


def test_the_nightly_task_runs_the_job(full_case, task_runs_here, settings):
    from cases import tasks

    assert settings.CELERY_BEAT_SCHEDULE["anonymise-due-cases"]["task"] == "cases.anonymise_due"
    assert settings.CELERY_TASK_ROUTES["cases.anonymise_due"] == {"queue": "retention"}
    assert tasks.anonymise_due.delay().get() == 1
    assert Case.objects.get(pk=full_case.pk).anonymised_at is not None


# --- holds -----------------------------------------------------------------------------------


def test_a_held_case_is_skipped_until_the_hold_is_lifted(full_case, officer, client):
    client.force_login(officer)
    response = client.post(reverse("cases:retention_hold", args=[full_case.pk]), {"reason": "Beschwerde hängig"})
    assert response.status_code == 302
    hold = RetentionHold.objects.get(case=full_case)
    assert (hold.reason, hold.held_by) == ("Beschwerde hängig", officer)
    assert retention.anonymise_due() == 0
    assert Person.objects.get(pk=full_case.person_id).last_name == "Quaxmeier"
    held = JournalEntry.objects.get(case=full_case, event=events.RETENTION_HELD)
    assert (held.author, held.text) == (officer, "Beschwerde hängig")

    assert client.post(reverse("cases:retention_release", args=[full_case.pk])).status_code == 302
    assert not RetentionHold.objects.exists()
    assert JournalEntry.objects.filter(case=full_case, event=events.RETENTION_RELEASED, author=officer).exists()
    assert retention.anonymise_due() == 1


def test_a_hold_needs_a_reason(full_case, officer, client):
    client.force_login(officer)
    response = client.post(reverse("cases:retention_hold", args=[full_case.pk]), {"reason": "  "}, follow=True)
    assert not RetentionHold.objects.exists()
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "secretariat", "case_manager"])
def test_only_the_officer_holds_releases_and_sees_the_page(make_case, who, request, client):
    case = ended_years_ago(make_case("closed"), 11)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("cases:retention")).status_code == 403
    visible = Case.objects.visible_to(user).filter(pk=case.pk).exists()
    expected = 403 if visible else 404
    assert client.post(reverse("cases:retention_hold", args=[case.pk]), {"reason": "x"}).status_code == expected
    assert client.post(reverse("cases:retention_release", args=[case.pk])).status_code == expected
    assert not RetentionHold.objects.exists()


def test_an_open_case_cannot_be_held(make_case, officer):
    case = make_case("implementation")
    with pytest.raises(actions.ActionRefused):
        actions.hold_retention(case, by=officer, reason="x")


# --- a person with another case ----------------------------------------------------------------


def test_a_person_with_another_case_keeps_the_row_until_the_last_case_is_due(frontline, cast, media):
    first = report(frontline, Person(**PERSON), reason="Erster Fall")
    walk(first, CaseState.CLOSED, cast)
    first = ended_years_ago(first, 11)
    second = report(frontline, Person.objects.get(pk=first.person_id), reason="Zweiter Fall")
    assert second.person_id == first.person_id

    assert retention.anonymise_due() == 1
    person = Person.objects.get(pk=first.person_id)
    assert (person.last_name, person.ahv_number) == ("Quaxmeier", PERSON["ahv_number"])
    assert Case.objects.get(pk=first.pk).reason == "—"
    assert Case.objects.get(pk=second.pk).reason == "Zweiter Fall: Langzeitarbeitslos."

    walk(second, CaseState.NO_CASE_MANAGEMENT, cast)
    ended_years_ago(second, 11)
    assert retention.anonymise_due() == 1
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.ahv_number, person.email) == ("—", "—", "", "")
    assert not Person.history.filter(id=person.pk, last_name="Quaxmeier").exists()
    call_command("verify_audit", stdout=io.StringIO())


# --- the page and My tasks ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_the_retention_page_lists_what_is_due_in_constant_queries(make_case, officer, client, n, django_assert_num_queries):
    cases = [ended_years_ago(make_case("closed"), 11) for _ in range(n)]
    actions.hold_retention(cases[0], by=officer, reason="Rückforderung der IV hängig")
    later = ended_years_ago(make_case("closed"), 5)
    client.force_login(officer)
    with django_assert_num_queries(5):  # the session comes through the cache (cached_db)
        response = client.get(reverse("cases:retention"))
    html = response.content.decode()
    assert all(case.reference in html for case in cases)
    assert later.reference not in html
    assert "Rückforderung der IV hängig" in html
    assert html.count('name="reason"') == n - 1


def test_my_tasks_lists_the_cases_coming_due_that_are_not_held(make_case, officer):
    due = ended_years_ago(make_case("closed"), 9.95)
    held = ended_years_ago(make_case("closed"), 11)
    ended_years_ago(make_case("closed"), 5)
    actions.hold_retention(held, by=officer, reason="x")
    task_list = worklists.BY_KEY["anonymisation"]
    assert [case.pk for case in task_list.items(officer, timezone.localdate())] == [due.pk]
    assert worklists.counts(fresh(officer))["anonymisation"] == 1
    row = task_list.row(task_list.items(officer, timezone.localdate()).get(), timezone.localdate())
    assert row.url == reverse("cases:retention")


# --- completeness: every field of every model is anonymised or declared not personal -------------


TEXT_FIELDS = (models.CharField, models.TextField, models.FileField, models.JSONField)


def project_models() -> list[type[models.Model]]:
    """The models of the project's own apps (not of Django or of a library), without the
    change-history models (their fields are their model's)."""
    from django.conf import settings

    base = str(settings.BASE_DIR)
    return [
        model
        for model in apps.get_models()
        if model._meta.app_config.path.startswith(base)
        and ".venv" not in model._meta.app_config.path
        and not model.__name__.startswith("Historical")
    ]


def test_every_text_field_of_every_model_is_anonymised_or_declared_not_personal():
    assert {Person, Case, JournalEntry, apps.get_model("roles", "User")} <= set(project_models())
    missing = []
    for model in project_models():
        declared = retention.NOT_PERSONAL.get(model, {})
        for f in model._meta.get_fields():
            if not isinstance(f, TEXT_FIELDS) or f.name in ("password",):
                continue
            if f.name in retention.personal_fields(model) or "*" in declared or f.name in declared:
                continue
            missing.append(f"{model._meta.label}.{f.name}")
    assert not missing, "add each to retention.ERASED or, with its reason, to retention.NOT_PERSONAL: " + ", ".join(missing)


def test_the_lists_name_real_fields():
    for entry in retention.ERASED:
        for name in entry.fields:
            assert isinstance(entry.model._meta.get_field(name), TEXT_FIELDS), (entry.model, name)
    for model, fields in retention.NOT_PERSONAL.items():
        for name in fields:
            assert name == "*" or isinstance(model._meta.get_field(name), TEXT_FIELDS), (model, name)


def test_every_parameter_of_the_journal_events_is_erased_or_kept():
    names = {name for event in events.EVENTS.values() for name in event.params}
    assert names - retention.JOURNAL_PARAMS_ERASED - retention.JOURNAL_PARAMS_KEPT == set()
    assert not retention.JOURNAL_PARAMS_ERASED & retention.JOURNAL_PARAMS_KEPT
