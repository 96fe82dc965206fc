"""Files of a case (cases/views/files.py): attachments and signed scans filed through the
storage API under random names, downloaded only within the case's scope and logged,
withdrawn but never deleted."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.actions import ActionRefused
from cases.models import AccessLog, CaseFile, JournalEntry, PowerOfAttorney
from tests.factories import institution
from tests.helpers import EXE, GIF, JPEG, PDF, PNG, TEXT, journal_texts, messages_of, plan_of

pytestmark = pytest.mark.usefixtures("media")


def upload(content=PDF, name="Scan.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def case(make_case):
    return make_case("implementation")


def file_plan(client, case, *, content=PDF, name="Aktionsplan unterschrieben.pdf", version=1, **fields):
    data = {
        "file": upload(content, name),
        "signature_place": "Brig",
        "signed_by_person_on": "2026-01-05",
        "signed_by_cm_on": "2026-01-06",
        **fields,
    }
    return client.post(reverse("cases:signed_plan", args=[case.pk, version]), data)


# --- the signed action plan -----------------------------------------------------------------------


def test_the_secretariat_files_the_signed_plan_and_the_signature_is_recorded(client, secretariat, case, media):
    client.force_login(secretariat)
    response = file_plan(client, case)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    plan = plan_of(case)
    assert (plan.signature_place, plan.signed_by_person_on, plan.signed_by_cm_on) == (
        "Brig",
        datetime.date(2026, 1, 5),
        datetime.date(2026, 1, 6),
    )
    assert plan.history.first().history_user == secretariat  # the change history records it
    scan = CaseFile.objects.get(case=case)
    assert (scan.category, scan.plan, scan.uploaded_by, scan.content_type) == (
        "signed_plan",
        plan,
        secretariat,
        "application/pdf",
    )
    assert scan.original_name == "Aktionsplan unterschrieben.pdf" and scan.size == len(PDF)
    # stored under a random name in the case's folder, not under the user's name
    assert scan.file.name.startswith(f"cases/{case.pk}/") and scan.file.name.endswith(".pdf")
    assert "Aktionsplan" not in scan.file.name
    assert (media / scan.file.name).read_bytes() == PDF
    assert scan.history.first().history_user == secretariat
    entry = JournalEntry.objects.filter(case=case).first()
    assert entry.author == secretariat and entry.event == "signed_plan_filed"
    assert "v1" in journal_texts(case)[-1] and "Brig" in journal_texts(case)[-1]


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PDF, "scan.pdf", "application/pdf"),
        (JPEG, "scan.jpg", "image/jpeg"),
        (PNG, "scan.png", "image/png"),
    ],
)
def test_pdf_jpeg_and_png_scans_are_accepted(client, case_manager, case, content, name, content_type):
    client.force_login(case_manager)
    assert file_plan(client, case, content=content, name=name).status_code == 302
    assert CaseFile.objects.get(case=case).content_type == content_type


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "Unterschrift.pdf", "keine PDF / JPEG / PNG-Datei"),  # a renamed program
        (GIF, "scan.gif", "keine PDF / JPEG / PNG-Datei"),
        (TEXT, "scan.txt", "keine PDF / JPEG / PNG-Datei"),
        (b"", "leer.pdf", "Die Datei ist leer."),
    ],
)
def test_refused_files_are_not_stored_and_the_form_says_why(client, secretariat, case, media, content, name, message):
    client.force_login(secretariat)
    response = file_plan(client, case, content=content, name=name)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert not CaseFile.objects.exists()
    assert plan_of(case).signature_place == "Sion"  # nothing recorded
    assert not (media / "cases").exists()


def test_a_scan_above_the_limit_is_refused(client, secretariat, case, settings):
    settings.IIZ_UPLOAD_MAX_BYTES = 2000
    client.force_login(secretariat)
    response = file_plan(client, case, content=PDF + b"0" * 2000)
    assert "Die Datei ist zu gross" in response.content.decode()
    assert not CaseFile.objects.exists()
    assert file_plan(client, case, content=PDF + b"0" * 100).status_code == 302


def test_a_signature_in_the_future_is_refused(client, secretariat, case):
    client.force_login(secretariat)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = file_plan(client, case, signed_by_person_on=tomorrow.isoformat())
    assert response.status_code == 200
    assert "Eine Unterschrift kann nicht in der Zukunft datiert sein." in response.content.decode()
    assert not CaseFile.objects.exists()


def test_filing_the_signed_draft_lets_the_case_manager_submit_it_and_a_superseded_version_takes_no_scan(case, cast, secretariat):
    actions.change_plan(case, by=cast.case_manager, reason="Neue Massnahme")
    today = timezone.localdate()
    actions.file_signed_plan(
        plan_of(case, 2),
        by=secretariat,
        upload=upload(),
        signature_place="Visp",
        signed_by_person_on=today,
        signed_by_cm_on=today,
    )
    case.refresh_records()
    actions.submit_plan(case, by=cast.case_manager)  # the plan must be signed to be submitted
    actions.validate_plan(case, by=cast.coordinator)
    with pytest.raises(ActionRefused):
        actions.file_signed_plan(
            plan_of(case, 1),
            by=secretariat,
            upload=upload(),
            signature_place="Brig",
            signed_by_person_on=timezone.localdate(),
            signed_by_cm_on=timezone.localdate(),
        )


def test_a_version_sent_back_takes_no_scan_and_the_files_page_offers_the_new_version(client, make_case, cast, secretariat):
    case = make_case("plan_validation")
    actions.send_back_plan(case, by=cast.coordinator, reasons="Unvollständig.", options="Abklärung IV.")
    client.force_login(secretariat)
    response = client.get(reverse("cases:signed_plan", args=[case.pk, 1]))
    assert response.status_code == 302
    assert messages_of(response) == ["Diese Version des Plans wurde zurückgewiesen: Unterzeichnet wird die neuere Version."]
    assert file_plan(client, case).status_code == 302
    assert not CaseFile.objects.filter(case=case).exists()
    html = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert reverse("cases:signed_plan", args=[case.pk, 2]) in html
    assert reverse("cases:signed_plan", args=[case.pk, 1]) not in html


@pytest.mark.parametrize("role", ["contact_person", "frontline"])
def test_roles_that_only_read_the_case_may_not_file(client, case, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("cases:signed_plan", args=[case.pk, 1])).status_code == 403
    assert file_plan(client, case).status_code == 403
    assert client.post(reverse("cases:new_attachment", args=[case.pk]), {"category": "cv", "file": upload()}).status_code == 403
    assert not CaseFile.objects.exists()


def test_filing_outside_the_scope_is_404(client, outsider, legal, case):
    for user in (outsider, legal):
        client.force_login(user)
        assert file_plan(client, case).status_code == 404
        assert client.get(reverse("cases:signed_poa", args=[case.pk])).status_code == 404
    assert not CaseFile.objects.exists()


def test_the_coordinator_and_the_officer_may_file(client, coordinator, officer, case):
    for user in (coordinator, officer):
        client.force_login(user)
        assert file_plan(client, case).status_code == 302
    assert CaseFile.objects.filter(case=case).count() == 2


def test_after_filing_from_the_print_queue_the_user_goes_back_there(client, secretariat, case):
    client.force_login(secretariat)
    queue = reverse("cases:print_queue")
    assert file_plan(client, case, next=queue)["Location"] == queue
    assert file_plan(client, case, next="https://evil.example/")["Location"] == case.get_absolute_url()


# --- the power of attorney and the closure letter -----------------------------------------------


def test_the_poa_scan_attaches_to_the_power_of_attorney_chosen(client, secretariat, case, cast):
    older = actions.record_power_of_attorney(
        case, by=cast.case_manager, signed_on=datetime.date(2025, 2, 1), institutions=[institution("rav")]
    )
    newer = actions.record_power_of_attorney(
        case, by=cast.case_manager, signed_on=timezone.localdate(), institutions=[institution("rav")]
    )
    client.force_login(secretariat)
    page = client.get(reverse("cases:signed_poa", args=[case.pk])).content.decode()
    assert f'value="{newer.pk}"' in page and f'value="{older.pk}"' in page
    response = client.post(
        reverse("cases:signed_poa", args=[case.pk]), {"power_of_attorney": older.pk, "file": upload(JPEG, "vollmacht.jpg")}
    )
    assert response.status_code == 302
    scan = CaseFile.objects.get(case=case)
    assert (scan.category, scan.power_of_attorney, scan.content_type) == ("signed_poa", older, "image/jpeg")
    assert list(older.scans.all()) == [scan]


def test_the_poa_scan_of_another_case_is_refused(client, secretariat, case, make_case, cast):
    other = make_case("implementation")
    foreign = actions.record_power_of_attorney(other, by=cast.case_manager, signed_on=timezone.localdate(), institutions=[])
    client.force_login(secretariat)
    response = client.post(reverse("cases:signed_poa", args=[case.pk]), {"power_of_attorney": foreign.pk, "file": upload()})
    assert response.status_code == 200 and not CaseFile.objects.exists()


def test_without_a_power_of_attorney_the_page_says_to_record_it_first(client, secretariat, case):
    client.force_login(secretariat)
    html = client.get(reverse("cases:signed_poa", args=[case.pk])).content.decode()
    assert "Für diesen Fall ist noch keine Vollmacht erfasst" in html
    assert not PowerOfAttorney.objects.exists()


def test_the_copy_of_the_closure_letter_is_filed_on_the_closed_case(client, secretariat, make_case):
    closed = make_case("closed")
    client.force_login(secretariat)
    response = client.post(reverse("cases:closure_copy", args=[closed.pk]), {"file": upload(PNG, "brief.png")})
    assert response.status_code == 302
    scan = CaseFile.objects.get(case=closed)
    assert (scan.category, scan.closure) == ("closure_letter", closed.closure)


def test_no_closure_letter_copy_before_the_closure(client, secretariat, case):
    client.force_login(secretariat)
    assert client.get(reverse("cases:closure_copy", args=[case.pk])).status_code == 404


def test_a_closed_case_takes_no_more_attachments_or_plan_scans(client, secretariat, make_case):
    closed = make_case("closed")
    client.force_login(secretariat)
    assert client.get(reverse("cases:new_attachment", args=[closed.pk])).status_code == 302
    assert client.get(reverse("cases:signed_plan", args=[closed.pk, 1])).status_code == 302
    with pytest.raises(ActionRefused):
        actions.add_attachment(closed, by=secretariat, upload=upload(), category="cv")


# --- attachments, downloads, withdrawal -----------------------------------------------------------------


def test_an_attachment_with_its_category(client, case_manager, case):
    client.force_login(case_manager)
    response = client.post(
        reverse("cases:new_attachment", args=[case.pk]),
        {"category": "medical_report", "description": "Dr. Imboden, Visp", "file": upload(name="Arztbericht März.pdf")},
    )
    assert response.status_code == 302
    attachment = CaseFile.objects.get(case=case)
    assert (attachment.category, attachment.description, attachment.original_name) == (
        "medical_report",
        "Dr. Imboden, Visp",
        "Arztbericht März.pdf",
    )
    assert attachment.get_category_display() == "Arztbericht"
    assert journal_texts(case)[-1] == "Datei abgelegt: Arztbericht, Arztbericht März.pdf"
    assert journal_texts(case, "fr")[-1] == "Fichier déposé : Rapport médical, Arztbericht März.pdf"


def test_a_scan_category_cannot_be_chosen_as_an_attachment(client, secretariat, case):
    client.force_login(secretariat)
    response = client.post(reverse("cases:new_attachment", args=[case.pk]), {"category": "signed_plan", "file": upload()})
    assert response.status_code == 200 and not CaseFile.objects.exists()
    with pytest.raises(ActionRefused):
        actions.add_attachment(case, by=secretariat, upload=upload(), category="signed_plan")


def test_the_action_itself_refuses_an_unchecked_file(case, secretariat):
    with pytest.raises(ActionRefused) as refused:
        actions.add_attachment(case, by=secretariat, upload=upload(EXE, "x.pdf"), category="other")
    assert "PDF / JPEG / PNG" in refused.value.reasons[0]


@pytest.fixture
def attachment(case, secretariat):
    return actions.add_attachment(case, by=secretariat, upload=upload(PDF, 'Bericht "RAV" Brig.pdf'), category="correspondence")


def test_a_download_in_scope_is_the_file_and_is_logged(client, contact_person, case, attachment):
    client.force_login(contact_person)
    response = client.get(reverse("cases:file", args=[case.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Bericht _RAV_ Brig.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    log = AccessLog.objects.get(case=case, user=contact_person, kind="download")
    assert log.detail == f"file #{attachment.pk} (correspondence)"


def test_a_non_ascii_name_is_offered_encoded(client, secretariat, case):
    scan = actions.add_attachment(case, by=secretariat, upload=upload(PDF, "Zeugnis Zürcher.pdf"), category="certificate")
    client.force_login(secretariat)
    response = client.get(reverse("cases:file", args=[case.pk, scan.pk]))
    assert "filename*=utf-8''Zeugnis%20Z%C3%BCrcher.pdf" in response["Content-Disposition"]


def test_a_download_outside_the_scope_is_404_and_not_logged(client, outsider, legal, make_case, case, attachment, officer):
    for user in (outsider, legal):
        client.force_login(user)
        assert client.get(reverse("cases:file", args=[case.pk, attachment.pk])).status_code == 404
    other = make_case("implementation")
    client.force_login(officer)  # a file named through another case
    assert client.get(reverse("cases:file", args=[other.pk, attachment.pk])).status_code == 404
    assert not AccessLog.objects.filter(kind="download").exists()


def test_files_are_not_served_from_a_public_url(client, secretariat, attachment):
    client.force_login(secretariat)
    assert client.get("/media/" + attachment.file.name).status_code == 404
    assert client.get(default_storage.url(attachment.file.name)).status_code == 404


def test_a_missing_stored_file_is_404(client, secretariat, case, attachment):
    default_storage.delete(attachment.file.name)
    client.force_login(secretariat)
    assert client.get(reverse("cases:file", args=[case.pk, attachment.pk])).status_code == 404


def test_the_files_page_lists_every_file_with_its_links(client, contact_person, secretariat, case, attachment):
    client.force_login(contact_person)
    html = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert reverse("cases:file", args=[case.pk, attachment.pk]) in html and "Korrespondenz" in html
    assert reverse("cases:withdraw_file", args=[case.pk, attachment.pk]) not in html  # reads only
    assert reverse("cases:new_attachment", args=[case.pk]) not in html
    client.force_login(secretariat)
    html = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert reverse("cases:withdraw_file", args=[case.pk, attachment.pk]) in html
    assert reverse("cases:new_attachment", args=[case.pk]) in html and reverse("cases:signed_plan", args=[case.pk, 1]) in html


@pytest.mark.parametrize("n", [1, 12])
def test_the_files_page_runs_a_fixed_number_of_queries(client, secretariat, case, n, django_assert_max_num_queries):
    for i in range(n):
        actions.add_attachment(case, by=secretariat, upload=upload(PDF, f"Datei {i}.pdf"), category="other")
    client.force_login(secretariat)
    # session, user, memberships, case, files (their count and page), the plan to sign, the
    # closure, the access log row; +1: My tasks (n) in the navigation
    with django_assert_max_num_queries(9 + 1 + 1):  # +1: the access log's chain head
        html = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert f"Datei {n - 1}.pdf" in html


def test_a_withdrawn_file_stays_in_the_record(client, secretariat, case, attachment, media):
    client.force_login(secretariat)
    url = reverse("cases:withdraw_file", args=[case.pk, attachment.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": ""}).status_code == 302
    attachment.refresh_from_db()
    assert not attachment.is_withdrawn
    assert client.post(url, {"reason": "Falscher Fall"}).status_code == 302
    attachment.refresh_from_db()
    assert attachment.is_withdrawn and attachment.withdrawn_by == secretariat and attachment.withdrawal_reason == "Falscher Fall"
    assert (media / attachment.file.name).exists()
    assert attachment.history.count() == 2
    assert any("Falscher Fall" in text for text in journal_texts(case))
    html = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert "Zurückgezogen von" in html and "Falscher Fall" in html
    with pytest.raises(ActionRefused):
        actions.withdraw_file(attachment, by=secretariat, reason="nochmals")


def test_withdrawing_follows_the_same_rule_as_filing(client, contact_person, outsider, case, attachment):
    url = reverse("cases:withdraw_file", args=[case.pk, attachment.pk])
    client.force_login(contact_person)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url, {"reason": "x"}).status_code == 404
    attachment.refresh_from_db()
    assert not attachment.is_withdrawn


def test_a_file_of_a_closed_case_cannot_be_withdrawn(client, secretariat, officer, make_case, media):
    """A closed case accepts no change: its files stay as they were (the policy)."""
    closed = make_case("closed")
    case_file = CaseFile(case=closed, category="other", content_type="application/pdf", original_name="CV.pdf", size=len(PDF))
    case_file.uploaded_by = secretariat
    case_file.file.save("closed-cv.pdf", SimpleUploadedFile("closed-cv.pdf", PDF), save=False)
    case_file.save()
    for user in (secretariat, officer):
        client.force_login(user)
        response = client.post(reverse("cases:withdraw_file", args=[closed.pk, case_file.pk]), {"reason": "Falsch abgelegt"})
        assert response.status_code in (302, 403)
        case_file.refresh_from_db()
        assert not case_file.is_withdrawn
        with pytest.raises(ActionRefused):
            actions.withdraw_file(case_file, by=user, reason="Falsch abgelegt")
    assert not JournalEntry.objects.filter(case=closed, text__contains="Falsch abgelegt").exists()


# --- links on the case page --------------------------------------------------------------------------------


def test_the_case_page_links_the_files_and_the_filing_forms(client, secretariat, contact_person, case, cast):
    actions.record_power_of_attorney(case, by=cast.case_manager, signed_on=timezone.localdate(), institutions=[])
    client.force_login(secretariat)
    html = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:files", args=[case.pk]) in html
    assert reverse("cases:signed_plan", args=[case.pk, 1]) in html and reverse("cases:signed_poa", args=[case.pk]) in html
    client.force_login(contact_person)
    html = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:files", args=[case.pk]) in html
    assert reverse("cases:signed_plan", args=[case.pk, 1]) not in html and reverse("cases:signed_poa", args=[case.pk]) not in html


def test_the_closed_case_page_links_the_closure_letter_copy(client, secretariat, make_case):
    closed = make_case("closed")
    client.force_login(secretariat)
    html = client.get(closed.get_absolute_url()).content.decode()
    assert reverse("cases:closure_copy", args=[closed.pk]) in html
    assert reverse("cases:signed_plan", args=[closed.pk, 1]) not in html


# --- nothing left behind --------------------------------------------------------------------------


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def test_a_failing_action_leaves_no_file_in_the_storage(secretariat, case, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(actions, "_journal", broken)  # fails after the file was written
    with pytest.raises(RuntimeError):
        actions.add_attachment(case, by=secretariat, upload=upload(name="Bericht.pdf"), category="medical_report")
    assert CaseFile.objects.count() == 0
    assert stored_files(media) == []


def test_an_action_inside_a_failing_one_leaves_no_file_either(secretariat, case, media):
    from cases.acting import action

    @action
    def attach_then_fail(case, *, by):
        actions.add_attachment(case, by=by, upload=upload(name="Bericht.pdf"), category="medical_report")
        assert stored_files(media)  # written by the inner action, which succeeded
        raise RuntimeError("the outer action fails")

    with pytest.raises(RuntimeError):
        attach_then_fail(case, by=secretariat)
    assert CaseFile.objects.count() == 0
    assert stored_files(media) == []


def test_a_successful_action_keeps_its_file(secretariat, case, media):
    actions.add_attachment(case, by=secretariat, upload=upload(name="Bericht.pdf"), category="medical_report")
    [path] = stored_files(media)
    assert path.read_bytes() == PDF and CaseFile.objects.get().file.name == str(path.relative_to(media))


def test_the_files_are_paged_newest_first(client, secretariat, case, monkeypatch):
    from cases.views import files

    monkeypatch.setattr(files, "FILES_PAGE_SIZE", 5)
    for i in range(7):
        actions.add_attachment(case, by=secretariat, upload=upload(PDF, f"Datei {i}.pdf"), category="other")
    client.force_login(secretariat)
    first = client.get(reverse("cases:files", args=[case.pk])).content.decode()
    assert first.count("data-file=") == 5 and "Datei 6.pdf" in first and "Datei 1.pdf" not in first
    assert "?page=2" in first
    second = client.get(reverse("cases:files", args=[case.pk]) + "?page=2").content.decode()
    assert second.count("data-file=") == 2 and "Datei 1.pdf" in second and "Datei 0.pdf" in second
