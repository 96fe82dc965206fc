"""Right of access (art. 25 revised FADP): the cantonal officer exports everything recorded
about one person (cases:person_export) as JSON or PDF. Who may, what is in it, that every
export is logged, and a fixed number of queries whatever the amount of data."""

import datetime
import io
import json
import re

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.documents.subject_access import collect
from cases.models import AccessKind, AccessLog, JournalKind, ResourcesSheet
from tests.factories import PersonFactory, UserFactory, institution
from tests.helpers import PDF

pytestmark = pytest.mark.django_db

ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
CASE_KEYS = [
    "id",
    "reference",
    "state",
    "cii101_step",
    "region",
    "theme",
    "reporting_institution",
    "reported_by",
    "institutions",
    "reason",
    "coordinator",
    "case_manager",
    "dates",
    "meetings",
    "resources_sheet",
    "plans",
    "reviews",
    "powers_of_attorney",
    "exit_report",
    "closure",
    "journal",
    "access_grants",
    "files",
    "documents",
    "history",
    "access_log",
]


def url(person, fmt="json") -> str:
    return reverse("cases:person_export", kwargs={"person_pk": person.pk, "fmt": fmt})


@pytest.fixture
def helene(make_case, coordinator, case_manager, officer, client):
    """Hélène Zürcher with a closed case and a case in implementation, a power of
    attorney, a note, an access grant, a change to her data by the officer, and a visit of
    the coordinator to the case page."""
    person = PersonFactory.build(first_name="Hélène", last_name="Zurcher", ahv_number="756.9217.0769.85")
    closed = make_case("closed", person=person)
    current = make_case("implementation", person=person)
    actions.record_power_of_attorney(
        current, by=case_manager, signed_on=timezone.localdate(), institutions=[institution("rav"), institution("social")]
    )
    actions.add_journal_entry(current, by=case_manager, kind=JournalKind.NOTE, text="Telefon mit der Hausärztin.")
    sheet = ResourcesSheet(case=current, languages="Französisch (Muttersprache), Deutsch B1", driving_licence=True)
    actions.save_resources(sheet, by=case_manager)
    deputy = UserFactory(username="dora-deputy", first_name="Dora", last_name="Stellvertreterin")
    actions.grant_access(
        current,
        by=coordinator,
        user=deputy,
        permission="view_case",
        valid_until=timezone.localdate() + datetime.timedelta(days=10),
        reason="Ferien",
    )
    person.last_name = "Zürcher"
    person._history_user = officer
    person.save()
    client.force_login(coordinator)
    assert client.get(reverse("cases:detail", args=[current.pk])).status_code == 200
    client.logout()
    return person, closed, current


def export(client, user, person, fmt="json"):
    client.force_login(user)
    return client.get(url(person, fmt))


def pdf_text(response) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return [page.extract_text() for page in reader.pages]


# --- who may export -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, helene):
    person, _closed, _current = helene
    response = client.get(url(person))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_the_officer_downloads_the_export(client, officer, helene, fmt):
    person, _closed, _current = helene
    response = export(client, officer, person, fmt)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == {"json": "application/json", "pdf": "application/pdf"}[fmt]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="auskunft-zurcher-helene-\d{{4}}-\d\d-\d\d\.{fmt}"', disposition)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("who", ["coordinator", "case_manager", "secretariat", "frontline", "contact_person"])
def test_others_who_see_one_of_the_cases_are_refused(client, helene, request, who):
    person, _closed, _current = helene
    response = export(client, request.getfixturevalue(who), person)
    assert response.status_code == 403
    assert "right of access" in response.content.decode().lower() or "Auskunftsrecht" in response.content.decode()
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()


@pytest.mark.parametrize("who", ["outsider", "legal", "steering", "thematic_coordinator"])
def test_users_who_see_none_of_the_cases_get_not_found(client, helene, request, who):
    person, _closed, _current = helene
    assert export(client, request.getfixturevalue(who), person).status_code == 404
    assert export(client, request.getfixturevalue(who), person, "pdf").status_code == 404


def test_an_unknown_person_is_not_found(client, officer, helene):
    person, _closed, _current = helene
    client.force_login(officer)
    assert client.get(reverse("cases:person_export", kwargs={"person_pk": person.pk + 1000, "fmt": "json"})).status_code == 404


def test_only_get_is_allowed(client, officer, helene):
    person, _closed, _current = helene
    client.force_login(officer)
    assert client.post(url(person)).status_code == 405


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_every_export_is_written_to_the_access_log_of_each_case(client, officer, helene, fmt):
    person, closed, current = helene
    export(client, officer, person, fmt)
    rows = AccessLog.objects.filter(kind=AccessKind.EXPORT)
    assert sorted(rows.values_list("case_id", flat=True)) == sorted([closed.pk, current.pk])
    assert {(row.user_id, row.detail) for row in rows} == {(officer.pk, f"right of access export ({fmt})")}


def test_the_access_log_page_shows_the_export_translated(client, officer, helene):
    person, _closed, current = helene
    export(client, officer, person, "pdf")
    page = client.get(reverse("cases:access_log", args=[current.pk])).content.decode()
    assert "Export Auskunftsrecht (PDF)" in page


def test_the_case_page_links_the_export_for_the_officer_only(client, officer, coordinator, helene):
    person, _closed, current = helene
    client.force_login(officer)
    page = client.get(reverse("cases:detail", args=[current.pk])).content.decode()
    assert f'href="{url(person, "pdf")}"' in page
    assert f'href="{url(person, "json")}"' in page
    client.force_login(coordinator)
    page = client.get(reverse("cases:detail", args=[current.pk])).content.decode()
    assert url(person, "pdf") not in page


# --- the JSON -----------------------------------------------------------------------------------


def test_the_json_holds_the_person_every_case_and_every_record(client, officer, coordinator, case_manager, helene):
    person, closed, current = helene
    response = export(client, officer, person)
    assert "Zürcher".encode() in response.content  # UTF-8, not \u escapes
    data = json.loads(response.content.decode("utf-8"))

    assert list(data) == ["export", "person", "person_history", "cases"]
    assert data["export"]["format"] == "iiz.subject-access"
    assert data["export"]["version"] == 3
    assert ISO_DATETIME.match(data["export"]["generated_at"])
    assert data["person"]["first_name"] == "Hélène"
    assert data["person"]["last_name"] == "Zürcher"
    assert data["person"]["birth_date"] == "1985-04-12"
    assert data["person"]["ahv_number"] == "756.9217.0769.85"
    assert data["person"]["sex"]["code"] == "f"

    assert [c["reference"] for c in data["cases"]] == [closed.reference, current.reference]
    for case in data["cases"]:
        assert list(case) == CASE_KEYS
    old, new = data["cases"]

    assert old["state"]["code"] == "closed"
    assert old["reported_by"] == str(closed.reported_by)
    assert {i["code"] for i in old["institutions"]} == {"rav", "social"}
    meeting = old["meetings"][0]
    assert meeting["kind"]["code"] == "assessment"
    assert meeting["work_capacity"] == 50
    assert {p["name"] for p in meeting["participants"]} == {str(coordinator), str(case_manager)}
    plan = old["plans"][0]
    assert plan["version"] == 1
    assert [g["text"] for g in plan["goals"]] == ["Stabile Anstellung im ersten Arbeitsmarkt", "Gesundheit stabilisieren"]
    assert [m["title"] for m in plan["measures"]] == ["Bewerbungscoaching", "Arbeitstraining"]
    assert plan["measures"][0]["responsible_institution"]["code"] == "rav"
    review = old["reviews"][0]
    assert review["decision"]["code"] == "finish_plan"
    assert {p["measure"]: p["status"]["code"] for p in review["progress"]} == {
        "Bewerbungscoaching": "done",
        "Arbeitstraining": "done",
    }
    assert old["exit_report"]["outcome"]["code"] == "placed"
    assert old["exit_report"]["employer"] == "Lonza AG, Visp"
    # The last review renewed the power of attorney: the one valid at the end of the support.
    assert old["exit_report"]["power_of_attorney_id"] == old["powers_of_attorney"][0]["id"] == review["power_of_attorney_id"]
    assert old["closure"]["closed_by"] == str(officer)
    assert old["dates"]["closed_at"] is not None
    assert [e["step"]["code"] for e in old["journal"] if e["step"]][:1] == ["report"]
    assert "close" in [e["step"]["code"] for e in old["journal"] if e["step"]]
    assert {(d["kind"], d["record"]["type"]) for d in old["documents"]} == {
        ("action_plan", "action_plan"),
        ("power_of_attorney", "power_of_attorney"),
        ("exit_report", "exit_report"),
    }
    assert all(d["file"] is None for d in old["documents"]) and old["files"] == []

    assert new["state"]["code"] == "implementation"
    assert old["resources_sheet"] is None
    assert new["resources_sheet"]["languages"] == "Französisch (Muttersprache), Deutsch B1"
    assert (new["resources_sheet"]["driving_licence"], new["resources_sheet"]["has_car"]) == (True, None)
    assert new["resources_sheet"]["updated_by"] == str(case_manager)
    assert new["powers_of_attorney"][0]["signed_on"] == timezone.localdate().isoformat()
    assert {i["code"] for i in new["powers_of_attorney"][0]["institutions"]} == {"rav", "social"}
    assert "power_of_attorney" in {d["kind"] for d in new["documents"]}
    assert "Telefon mit der Hausärztin." in [e["text"] for e in new["journal"]]
    assert new["access_grants"][0]["user"] == "Dora Stellvertreterin"
    assert new["access_grants"][0]["permission"]["code"] == "view_case"
    assert ISO_DATETIME.match(new["journal"][0]["at"])


@pytest.fixture
def with_files(helene, secretariat, coordinator, media):
    """Hélène's current case with its signed plan scanned and two attachments, one of them
    withdrawn."""
    person, _closed, current = helene
    plan = current.plans.get(version=1)
    scan = actions.file_signed_plan(
        plan,
        by=secretariat,
        upload=SimpleUploadedFile("Plan unterschrieben.pdf", PDF),
        signature_place="Brig",
        signed_by_person_on=timezone.localdate(),
        signed_by_cm_on=timezone.localdate(),
    )
    report = actions.add_attachment(
        current,
        by=coordinator,
        upload=SimpleUploadedFile("Arztbericht.pdf", PDF),
        category="medical_report",
        description="Bericht Dr. Imboden",
    )
    wrong = actions.add_attachment(
        current, by=coordinator, upload=SimpleUploadedFile("Falsche Person.pdf", PDF), category="other"
    )
    actions.withdraw_file(wrong, by=coordinator, reason="Falsche Person")
    return person, current, scan, report, wrong


def test_the_export_lists_the_files_and_the_signed_scan_of_each_document(client, officer, coordinator, secretariat, with_files):
    person, _current, scan, _report, _wrong = with_files
    data = json.loads(export(client, officer, person).content.decode("utf-8"))
    new = data["cases"][1]
    assert [(f["name"], f["category"]["code"]) for f in new["files"]] == [
        ("Plan unterschrieben.pdf", "signed_plan"),
        ("Arztbericht.pdf", "medical_report"),
        ("Falsche Person.pdf", "other"),
    ]
    first = new["files"][0]
    assert (first["content_type"], first["size"], first["uploaded_by"]) == ("application/pdf", len(PDF), str(secretariat))
    assert first["record"] == {"type": "action_plan", "id": scan.plan_id} and ISO_DATETIME.match(first["uploaded_at"])
    assert new["files"][1]["description"] == "Bericht Dr. Imboden" and new["files"][1]["record"] is None
    assert (new["files"][2]["withdrawn_by"], new["files"][2]["withdrawal_reason"]) == (str(coordinator), "Falsche Person")
    [plan_document] = [d for d in new["documents"] if d["kind"] == "action_plan"]
    assert plan_document["file"] == {
        "id": scan.pk,
        "name": "Plan unterschrieben.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
    }
    assert all(d["file"] is None for d in new["documents"] if d["kind"] != "action_plan")
    # The file's stored name (the path in the storage) is never in the export.
    assert scan.file.name not in json.dumps(data)

    text = " ".join(" ".join(pdf_text(export(client, officer, person, "pdf"))).split())  # table cells wrap lines
    for expected in (
        "Dateien",
        "Plan unterschrieben.pdf",
        "Arztbericht.pdf",
        "Bericht Dr. Imboden",
        "Zurückgezogen am",
        "Falsche Person",
        "unterschriebener Scan: Plan unterschrieben.pdf",
    ):
        assert expected in text, expected


def test_a_withdrawn_scan_is_not_the_documents_file(client, officer, secretariat, with_files):
    person, _current, scan, _report, _wrong = with_files
    actions.withdraw_file(scan, by=secretariat, reason="Unleserlich")
    data = json.loads(export(client, officer, person).content.decode("utf-8"))
    [plan_document] = [d for d in data["cases"][1]["documents"] if d["kind"] == "action_plan"]
    assert plan_document["file"] is None
    assert data["cases"][1]["files"][0]["withdrawal_reason"] == "Unleserlich"


def test_the_json_holds_the_change_history_and_the_access_log(client, officer, coordinator, helene):
    person, closed, _current = helene
    data = json.loads(export(client, officer, person).content)
    old, new = data["cases"]

    created = [h for h in old["history"] if h["record"]["type"] == "case" and h["change"]["code"] == "created"]
    assert len(created) == 1 and created[0]["record"]["label"] == closed.reference
    states = [f for h in old["history"] for f in h["fields"] if h["record"]["type"] == "case" and f["field"] == "state"]
    assert {
        "before": {"code": "awaiting_closure", "label": "Wartet auf Abschluss"},
        "after": {"code": "closed", "label": "Abgeschlossen"},
    } in [{"before": f["before"], "after": f["after"]} for f in states]
    assert {h["record"]["type"] for h in old["history"]} >= {"case", "meeting", "action_plan", "measure", "review", "exit_report"}
    assert any(h["record"]["type"] == "power_of_attorney" for h in new["history"])
    assert all(ISO_DATETIME.match(h["at"]) for h in old["history"])

    person_change = [h for h in data["person_history"] if h["change"]["code"] == "changed"]
    assert len(person_change) == 1
    assert person_change[0]["user"] == str(officer)
    assert person_change[0]["fields"] == [{"field": "last_name", "label": "Nachname", "before": "Zurcher", "after": "Zürcher"}]

    assert [(e["user"], e["kind"]["code"], e["detail"]) for e in new["access_log"]] == [(str(coordinator), "view", "case page")]
    assert old["access_log"] == []


def test_a_second_export_lists_the_first_one_in_the_access_log(client, officer, helene):
    person, _closed, _current = helene
    export(client, officer, person, "pdf")
    data = json.loads(export(client, officer, person).content)
    exports = [e for e in data["cases"][1]["access_log"] if e["kind"]["code"] == "export"]
    assert [(e["user"], e["detail"], e["detail_label"]) for e in exports] == [
        (str(officer), "right of access export (pdf)", "Export Auskunftsrecht (PDF)")
    ]


def test_the_labels_follow_the_officers_language(client, officer, helene):
    person, _closed, _current = helene
    officer.language = "fr"
    officer.save(update_fields=["language"])
    data = json.loads(export(client, officer, person).content)
    assert data["export"]["language"] == "fr"
    assert data["cases"][0]["state"] == {"code": "closed", "label": "Clos"}
    assert data["cases"][0]["region"]["name"] == "Haut-Valais"


def test_the_journal_texts_of_the_application_are_written_in_the_officers_language(client, officer, helene):
    person, _closed, current = helene
    for language, expected in (
        ("de", {"Datenblatt Ressourcen erfasst", "Telefon mit der Hausärztin."}),
        ("fr", {"Fiche des ressources saisie", "Telefon mit der Hausärztin."}),  # a note stays as written
    ):
        officer.language = language
        officer.save(update_fields=["language"])
        data = json.loads(export(client, officer, person).content)
        journal = next(c for c in data["cases"] if c["reference"] == current.reference)["journal"]
        texts = {entry["text"] for entry in journal}
        assert expected <= texts
        assert [e["event"] for e in journal if e["text"] == "Telefon mit der Hausärztin."] == [None]
        access = next(e["text"] for e in journal if e["event"] == "access_given")
        assert ("Lesezugriff" in access) == (language == "de") and ("accès en lecture" in access) == (language == "fr")


def test_a_person_without_cases_is_exported_too(db):
    person = PersonFactory(first_name="Léa", last_name="Ohnefall")
    data = collect(person)
    assert data["person"]["first_name"] == "Léa"
    assert data["cases"] == []
    assert data["person_history"][0]["change"]["code"] == "created"


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_in_german_names_the_person_and_every_case(client, officer, helene):
    person, closed, current = helene
    pages = pdf_text(export(client, officer, person, "pdf"))
    text = "\n".join(pages)
    assert "Auskunft: bearbeitete Personendaten" in pages[0]
    assert "Hélène" in pages[0] and "Zürcher" in pages[0]
    assert "Kanton Wallis / Canton du Valais — IIZ / CII" in pages[0]
    assert f"Seite 1 von {len(pages)}" in pages[0]
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1]
    for reference in (closed.reference, current.reference):
        assert f"Fall {reference}" in text
    for expected in (
        "Bewerbungscoaching",
        "Lonza AG, Visp",
        "Telefon mit der Hausärztin.",
        "Dora Stellvertreterin",
        "Datenblatt Ressourcen",
        "Französisch (Muttersprache), Deutsch B1",
        "Zugriffsprotokoll",
        "Änderungsverlauf",
        "Vollmachten",
    ):
        assert expected in text


def test_the_pdf_in_french_for_a_french_speaking_officer(client, officer, helene):
    person, closed, _current = helene
    officer.language = "fr"
    officer.save(update_fields=["language"])
    pages = pdf_text(export(client, officer, person, "pdf"))
    assert "Droit d'accès" in pages[0]
    assert "Hélène" in pages[0] and "Zürcher" in pages[0]
    assert f"page 1 de {len(pages)}" in pages[0]
    assert f"Cas {closed.reference}" in "\n".join(pages)
    assert "Seite" not in "\n".join(pages)


# --- queries ------------------------------------------------------------------------------------


def person_with(make_case, cast, *, cases: int, extra: int):
    """A person with ``cases`` cases (all closed but the last) and ``extra`` notes, powers of
    attorney, reads and changes of the data in each."""
    person = PersonFactory.build()
    for n in range(cases):
        case = make_case("closed" if n < cases - 1 else "implementation", person=person)
        for i in range(extra):
            AccessLog.objects.create(case=case, user=cast.coordinator, kind=AccessKind.VIEW, detail="case page")
            if case.is_in_progress:
                actions.add_journal_entry(case, by=cast.case_manager, kind=JournalKind.NOTE, text=f"Notiz {i}")
                actions.record_power_of_attorney(
                    case,
                    by=cast.case_manager,
                    institutions=[institution("rav")],
                    signed_on=timezone.localdate() - datetime.timedelta(days=i),
                )
    for i in range(extra):
        person.phone = f"027 000 00 {i:02d}"
        person._history_user = cast.officer
        person.save()
    return person


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_the_export_runs_a_fixed_number_of_queries(client, officer, make_case, cast, fmt, django_assert_max_num_queries):
    small = person_with(make_case, cast, cases=2, extra=1)
    large = person_with(make_case, cast, cases=5, extra=6)
    client.force_login(officer)
    counts = []
    for person in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(person, fmt))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(33 + 1):  # +1: the access log's chain head
        assert client.get(url(large, fmt)).status_code == 200
    assert len(collect(large)["cases"]) == 5
