"""The views of cases/views/steps.py for the end of a case: cases:interrupt,
cases:exit_report, cases:close, and cases:new_journal_entry for the journal; the end of
the support (CII101 steps 10 and 11) and the case journal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CaseState, Closure, ExitReport, JournalEntry, PowerOfAttorney
from tests.factories import MembershipFactory, PersonFactory, institution
from tests.helpers import messages_of, state_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- interruption -------------------------------------------------------------------------


def test_the_interrupt_form_asks_for_confirmation(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    html = client.get(reverse("cases:interrupt", args=[case.pk])).content.decode()
    assert 'data-confirm="Diesen Fall abbrechen? Die Begleitung endet und kann nicht wieder aufgenommen werden."' in html
    assert "Damit endet die Begleitung." in html
    assert 'value="moved"' in html


def test_the_case_manager_interrupts_the_case(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "moved", "note": "Umzug nach Zürich."})
    assert response.status_code == 302
    assert state_of(case) == CaseState.EXIT_REPORT
    report = ExitReport.objects.get(case=case)
    assert (report.outcome, report.interruption_reason, report.interruption_note) == (
        "interrupted",
        "moved",
        "Umzug nach Zürich.",
    )
    assert messages_of(response) == ["Der Fall ist abgebrochen. Vervollständigen Sie jetzt die Austrittsbilanz."]


def test_an_interruption_needs_a_reason(client, make_case, coordinator):
    case = make_case("plan_preparation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "", "note": "Keine Angaben."})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_reason-errors"' in html
    assert "Keine Angaben." in html
    assert state_of(case) == CaseState.PLAN_PREPARATION


def test_a_finished_case_cannot_be_interrupted(client, make_case, coordinator):
    case = make_case("awaiting_closure")
    client.force_login(coordinator)
    response = client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "moved"})
    assert response.status_code == 302
    assert messages_of(response) == ["Nur ein laufender Fall kann abgebrochen werden."]
    assert state_of(case) == CaseState.AWAITING_CLOSURE


# --- exit report --------------------------------------------------------------------------


def exit_data(**overrides):
    data = {
        "outcome": "placed",
        "employer": "Lonza AG, Visp",
        "job_title": "Laborhilfe",
        "job_start_on": TODAY.isoformat(),
        "workload_percent": "80",
        "other_service": "",
        "other_service_detail": "",
        "interruption_reason": "",
        "interruption_note": "",
        "summary": "Acht Monate Begleitung, Arbeitstraining erfolgreich.",
        "power_of_attorney": "",
        "poa_not_renewed_reason": "",
    }
    data.update(overrides)
    return data


def renewed(case) -> str:
    """The power of attorney renewed at the case's last review (cases/demo/walk.py), as posted."""
    return str(PowerOfAttorney.objects.filter(case=case).latest("signed_on").pk)


def test_the_case_manager_writes_the_exit_report(client, make_case, case_manager):
    case = make_case("exit_report")
    client.force_login(case_manager)
    html = client.get(reverse("cases:exit_report", args=[case.pk])).content.decode()
    assert "Speichern reicht die Bilanz noch nicht ein." in html
    response = client.post(reverse("cases:exit_report", args=[case.pk]), exit_data(power_of_attorney=renewed(case)))
    assert response.status_code == 302
    report = ExitReport.objects.get(case=case)
    assert (report.outcome, report.employer, report.workload_percent, report.power_of_attorney_id, report.is_complete) == (
        "placed",
        "Lonza AG, Visp",
        80,
        int(renewed(case)),
        True,
    )
    assert state_of(case) == CaseState.EXIT_REPORT  # submitting is a separate step
    assert messages_of(response) == ["Austrittsbilanz gespeichert. Reichen Sie sie auf der Fallseite beim IIZ-Büro ein."]


def test_placed_without_an_employer_shows_a_field_error(client, make_case, case_manager):
    case = make_case("exit_report")
    client.force_login(case_manager)
    response = client.post(reverse("cases:exit_report", args=[case.pk]), exit_data(employer="", workload_percent=""))
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("employer", "workload_percent"):
        assert "Für dieses Ergebnis erforderlich." in html.split(f'id="id_{field}-errors"')[1].split("</div></div>")[0]
    assert 'value="Laborhilfe"' in html  # the input is kept
    assert ExitReport.objects.get(case=case).employer == ""


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"outcome": "other_service", "employer": ""}, "other_service"),
        ({"outcome": "interrupted"}, "interruption_reason"),
        ({"outcome": ""}, "outcome"),
        ({"summary": "  "}, "summary"),
        ({"workload_percent": "120"}, "workload_percent"),
    ],
)
def test_each_outcome_asks_for_its_details(client, make_case, case_manager, overrides, field):
    case = make_case("exit_report")
    client.force_login(case_manager)
    response = client.post(reverse("cases:exit_report", args=[case.pk]), exit_data(**overrides))
    assert response.status_code == 200
    assert f'id="id_{field}-errors"' in response.content.decode()


def test_details_of_another_outcome_are_not_kept(client, make_case, case_manager):
    case = make_case("exit_report")
    client.force_login(case_manager)
    response = client.post(
        reverse("cases:exit_report", args=[case.pk]),
        exit_data(
            outcome="other_service",
            other_service=str(institution("ai").pk),
            other_service_detail="IV-Berufsberatung",
            power_of_attorney=renewed(case),
        ),
    )
    assert response.status_code == 302
    report = ExitReport.objects.get(case=case)
    assert (report.other_service, report.employer, report.workload_percent, report.job_start_on) == (
        institution("ai"),
        "",
        None,
        None,
    )


def test_an_interrupted_case_shows_its_reason(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "refuses"})
    html = client.get(reverse("cases:exit_report", args=[case.pk])).content.decode()
    assert 'value="interrupted" checked' in html and 'value="refuses" checked' in html


def test_the_exit_report_is_written_only_at_the_end(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.get(reverse("cases:exit_report", args=[case.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Die Austrittsbilanz wird verfasst, wenn der Plan beendet oder der Fall abgebrochen ist."]


# --- closure ------------------------------------------------------------------------------


def test_the_officer_gets_a_letter_in_the_persons_language(client, make_case, officer):
    case = make_case("awaiting_closure", person=PersonFactory.build(language="fr", sex="f", last_name="Bonvin"))
    client.force_login(officer)
    html = client.get(reverse("cases:close", args=[case.pk])).content.decode()
    letter = html.split('name="letter_text"')[1].split("</textarea>")[0]
    assert "Nous nous réjouissons que vous ayez trouvé un emploi auprès de Lonza AG, Visp" in letter
    # the frame is printed around the text, in French (tests/cases/test_documents_letters.py)
    assert "Madame," not in letter and "Madame," in html.split('id="letter-frame-title"')[1]
    assert "Lonza AG, Visp" in html.split('id="exit-summary-title"')[1].split("</section>")[0]  # the exit report summary
    assert 'data-confirm="Diesen Fall abschliessen?' in html  # the officer's own language around it


def test_the_letter_greets_a_german_speaking_person_by_name(client, make_case, officer):
    case = make_case("awaiting_closure", person=PersonFactory.build(language="de", sex="m", last_name="Zenhäusern"))
    client.force_login(officer)
    html = client.get(reverse("cases:close", args=[case.pk])).content.decode()
    assert "Sehr geehrter Herr Zenhäusern" in html
    assert "Freundliche Grüsse" in html


def test_the_officer_closes_the_case(client, make_case, officer):
    case = make_case("awaiting_closure")
    client.force_login(officer)
    response = client.post(
        reverse("cases:close", args=[case.pk]), {"letter_text": "Sehr geehrte Frau …", "archive_note": "Akten vollständig."}
    )
    assert response.status_code == 302
    assert state_of(case) == CaseState.CLOSED
    closure = Closure.objects.get(case=case)
    assert (closure.closed_by, closure.letter_text, closure.archive_note) == (
        officer,
        "Sehr geehrte Frau …",
        "Akten vollständig.",
    )
    assert messages_of(response) == ["Der Fall ist abgeschlossen und archiviert."]


def test_closing_needs_the_letter(client, make_case, officer):
    case = make_case("awaiting_closure")
    client.force_login(officer)
    response = client.post(reverse("cases:close", args=[case.pk]), {"letter_text": "", "archive_note": "Notiz"})
    assert response.status_code == 200
    assert 'id="id_letter_text-errors"' in response.content.decode()
    assert state_of(case) == CaseState.AWAITING_CLOSURE


def test_the_case_manager_cannot_close_their_own_case_even_as_officer(client, make_case, case_manager):
    MembershipFactory(user=case_manager, role="officer", starts_on=datetime.date(2024, 1, 1))
    case = make_case("awaiting_closure")
    client.force_login(case_manager)
    response = client.get(reverse("cases:close", args=[case.pk]))
    assert response.status_code == 403
    assert "nie als dessen eigener Case Manager" in response.content.decode()
    response = client.post(reverse("cases:close", args=[case.pk]), {"letter_text": "Brief"})
    assert response.status_code == 403
    assert state_of(case) == CaseState.AWAITING_CLOSURE


def test_a_case_is_closed_only_after_the_exit_report_is_submitted(client, make_case, officer):
    case = make_case("exit_report")
    client.force_login(officer)
    response = client.get(reverse("cases:close", args=[case.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Ein Fall wird abgeschlossen, sobald seine Austrittsbilanz eingereicht ist."]


# --- journal ------------------------------------------------------------------------------


def test_a_contact_person_adds_meeting_minutes(client, make_case, contact_person):
    case = make_case("implementation")
    client.force_login(contact_person)
    response = client.post(
        reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "minutes", "text": "Netzwerktreffen: alle informiert."}
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.filter(case=case).order_by("-pk").first()
    assert (entry.kind, entry.text, entry.author) == ("minutes", "Netzwerktreffen: alle informiert.", contact_person)
    assert messages_of(response) == ["Journaleintrag hinzugefügt."]


def test_a_journal_entry_needs_a_text(client, make_case, coordinator):
    case = make_case("implementation")
    entries = case.journal.count()
    client.force_login(coordinator)
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "note", "text": ""})
    assert response.status_code == 200
    assert 'id="id_text-errors"' in response.content.decode()
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "transition", "text": "Hack"})
    assert response.status_code == 200
    assert 'id="id_kind-errors"' in response.content.decode()
    assert case.journal.count() == entries


def test_a_closed_case_takes_no_more_journal_entries(client, make_case, coordinator):
    case = make_case("closed")
    client.force_login(coordinator)
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "note", "text": "Nachtrag"})
    assert response.status_code == 302
    assert messages_of(response) == ["Dieser Fall ist abgeschlossen: er kann nicht mehr geändert werden."]
    assert not case.journal.filter(text="Nachtrag").exists()


def test_an_exit_report_saved_by_someone_else_meanwhile_is_not_overwritten(client, make_case, case_manager, deputy):
    from cases.audit.versions import version_of
    from cases.flow.grants import DEPUTY

    case = make_case("exit_report")
    actions.grant_access(
        case, by=case.coordinator, user=deputy, permission=DEPUTY, valid_until=datetime.date.today(), reason="Ferien"
    )
    report = case.records.exit_report
    url = reverse("cases:exit_report", args=[case.pk])
    loaded = version_of(report)
    data = {"outcome": "interrupted", "interruption_reason": "other", "poa_not_renewed_reason": "Person umgezogen."}
    report.summary = "Zusammenfassung des Case Managers."
    actions.save_exit_report(report, by=case_manager)  # saved by the case manager meanwhile
    client.force_login(deputy)
    response = client.post(url, {**data, "summary": "Zusammenfassung der Stellvertretung.", "version": loaded})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"In der Zwischenzeit geändert von {case_manager}" in html
    assert "Zusammenfassung des Case Managers." in html and "Zusammenfassung der Stellvertretung." in html
    report.refresh_from_db()
    assert report.summary == "Zusammenfassung des Case Managers."
