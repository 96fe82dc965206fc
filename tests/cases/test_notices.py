"""The end of a support told to the network (cases/notices.py), when the exit report is
submitted (``actions.submit_exit_report``): the contact persons of the institutions involved
in the case's region and the cantonal officer, each in their language, in plain text, after
the commit (a Celery task, in-process here), recorded in the journal; nothing when the
submission is refused, and a mail server that fails breaks nothing."""

import logging
from smtplib import SMTPException

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from cases import actions, cached, notices
from cases.flow.policy import ActionRefused
from cases.models import ExitOutcome, JournalEntry, JournalKind
from roles.models import Institution
from tests.conftest import make_member
from tests.factories import MembershipFactory, institution, region
from tests.helpers import journal_texts, state_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_task_runs_here(task_runs_here):
    """The e-mails' task runs in-process (tests/conftest.py), with or without a broker."""


@pytest.fixture
def french_contact(db):
    """A French-speaking contact person of the social services in Oberwallis (involved)."""
    user = make_member("noemie-social", "contact_person", region=region("ow"), institution=institution("social"))
    user.first_name, user.last_name, user.language = "Noémie", "D'Amico", "fr"
    user.save()
    return user


@pytest.fixture
def not_told(db):
    """Contact persons who are not the case's network: of the RAV in Unterwallis, of the IV
    (not involved), and one whose membership ended."""
    other_region = make_member("rita-rav-uw", "contact_person", region=region("uw"), institution=institution("rav"))
    not_involved = make_member("ivo-ai-ow", "contact_person", region=region("ow"), institution=institution("ai"))
    left = make_member("leo-left", "contact_person", region=region("ow"), institution=institution("rav"))
    left.memberships.update(ends_on="2025-01-31")
    return [other_region, not_involved, left]


@pytest.fixture
def ready(make_case, case_manager):
    """A case of Oberwallis (RAV and social services involved) whose exit report is written:
    the person was placed in the first labour market."""
    case = make_case("exit_report")
    report = case.records.exit_report
    report.outcome = ExitOutcome.PLACED
    report.employer, report.job_title = "Lonza AG, Visp", "Produktionsmitarbeiter"
    report.job_start_on, report.workload_percent = timezone.localdate(), 80
    report.summary = "Die Person wurde während acht Monaten begleitet."
    report.poa_not_renewed_reason = "Die Person ist umgezogen."
    actions.save_exit_report(report, by=case_manager)
    return case


def submit(case, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.submit_exit_report(case, by=by)
    return callbacks


def by_recipient(mailoutbox) -> dict:
    return {message.to[0]: message for message in mailoutbox}


def test_the_network_of_the_case_and_the_officer_are_told_and_nobody_else(
    ready,
    case_manager,
    contact_person,
    french_contact,
    officer,
    coordinator,
    not_told,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    assert sorted(by_recipient(mailoutbox)) == sorted([contact_person.email, french_contact.email, officer.email])
    assert case_manager.email not in by_recipient(mailoutbox)  # who submits is not told
    assert state_of(ready) == "awaiting_closure"


def test_each_is_told_in_their_language_with_the_link_to_the_case(
    ready, case_manager, contact_person, french_contact, officer, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.IIZ_BASE_URL = "https://iiz.example.ch/"
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    mails = by_recipient(mailoutbox)
    url = f"https://iiz.example.ch/cases/{ready.pk}/"

    german = mails[contact_person.email]
    assert german.subject == f"IIZ: Ende der Begleitung im Fall {ready.reference}"
    assert german.body.startswith(f"Guten Tag {contact_person.get_full_name()},\n\n")
    assert f"{case_manager.get_full_name()} hat am" in german.body and "Die IIZ-Begleitung ist beendet." in german.body
    assert "Ergebnis: Im ersten Arbeitsmarkt eingegliedert" in german.body
    assert "als IIZ-Ansprechperson einer am Fall beteiligten Institution (Regionale Arbeitsvermittlungszentren" in german.body
    assert f"Fall öffnen: {url}" in german.body

    french = mails[french_contact.email]
    assert french.subject == f"CII : fin de l'accompagnement du dossier {ready.reference}"
    assert french.body.startswith("Bonjour Noémie D'Amico,\n\n")
    assert "l'accompagnement CII est terminé" in french.body
    assert "en tant que répondant CII d'une institution impliquée dans le dossier (Service de l'action sociale" in french.body
    assert url in french.body

    to_officer = mails[officer.email]
    assert "Der Fall wartet nun darauf, dass Sie ihn abschliessen" in to_officer.body
    assert "IIZ-Ansprechperson" not in to_officer.body


def test_the_e_mails_are_plain_text_with_nothing_html_escaped(
    ready, case_manager, contact_person, french_contact, mailoutbox, django_capture_on_commit_callbacks
):
    Institution.objects.filter(code="social").update(name_fr="Service de l'action sociale & de l'intégration")
    contact_person.last_name = "Zen-Ruffinen & Söhne"  # whatever a name holds
    contact_person.save()
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    french, german = by_recipient(mailoutbox)[french_contact.email], by_recipient(mailoutbox)[contact_person.email]
    for message in (french, german):
        assert "&#" not in message.body and "&amp;" not in message.body and "&quot;" not in message.body
    assert "(Service de l'action sociale & de l'intégration)" in french.body and "D'Amico" in french.body
    assert "Zen-Ruffinen & Söhne" in german.body


def test_the_e_mail_names_no_person(ready, case_manager, contact_person, mailoutbox, django_capture_on_commit_callbacks):
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    body = by_recipient(mailoutbox)[contact_person.email].body
    assert ready.reference in body
    assert ready.person.last_name not in body and ready.person.first_name not in body


def test_the_journal_says_who_was_informed(
    ready, case_manager, contact_person, french_contact, officer, mailoutbox, django_capture_on_commit_callbacks
):
    silent = make_member("sina-silent", "contact_person", region=region("ow"), institution=institution("rav"))
    silent.email = ""
    silent.save()
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    entry = JournalEntry.objects.filter(case=ready, kind=JournalKind.RECORD).latest("pk")
    assert entry.author == case_manager and entry.event == "end_of_support_reported"
    text = journal_texts(ready)[-1]
    assert "Ende der Begleitung per E-Mail gemeldet an das Netzwerk" in text
    assert str(contact_person) in text and str(french_contact) in text
    assert f"kantonale/n IIZ-Beauftragte/n ({officer})" in text
    assert f"Ohne E-Mail-Adresse, nicht informiert: {silent}." in text
    # the same entry, read in French
    text = journal_texts(ready, "fr")[-1]
    assert "Fin de l'accompagnement annoncée par e-mail au réseau" in text
    assert f"Sans adresse e-mail, non informé·e·s : {silent}." in text


def test_an_officer_who_is_also_a_contact_person_gets_one_e_mail_as_officer(
    ready, case_manager, officer, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(user=officer, role="contact_person", region=region("ow"), institution=institution("rav"))
    submit(ready, case_manager, django_capture_on_commit_callbacks)
    [message] = mailoutbox
    assert message.to == [officer.email] and "wartet nun darauf, dass Sie ihn abschliessen" in message.body


def test_the_e_mails_go_out_only_once_the_submission_is_committed(
    ready, case_manager, contact_person, officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.submit_exit_report(ready, by=case_manager)
    callbacks = [callback for callback in callbacks if callback is not cached._bump]  # the figures' cache's
    assert mailoutbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([contact_person.email, officer.email])


@pytest.mark.parametrize("who", ["coordinator", "frontline", "contact_person"])
def test_nothing_is_sent_when_the_submission_is_refused(
    ready, request, who, officer, contact_person, mailoutbox, django_capture_on_commit_callbacks
):
    journal = JournalEntry.objects.filter(case=ready).count()
    with pytest.raises(ActionRefused):
        submit(ready, request.getfixturevalue(who), django_capture_on_commit_callbacks)
    assert mailoutbox == [] and state_of(ready) == "exit_report"
    assert JournalEntry.objects.filter(case=ready).count() == journal


def test_nothing_is_sent_for_a_case_not_at_its_exit_report(
    make_case, case_manager, officer, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case("implementation")
    with pytest.raises(ActionRefused):
        submit(case, case_manager, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_a_failing_mail_server_never_breaks_the_submission(
    ready, case_manager, contact_person, officer, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def refuse(self, messages):
        raise SMTPException("451 try again later")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with caplog.at_level(logging.WARNING):
        submit(ready, case_manager, django_capture_on_commit_callbacks)
    assert state_of(ready) == "awaiting_closure"
    assert mailoutbox == []
    assert "the e-mail to user" in caplog.text and "451 try again later" in caplog.text
    assert "Error calling" not in caplog.text  # the task handled it; nothing reached the commit hook


def test_the_client_submitting_through_the_page_gets_the_case_back_even_if_the_mail_server_fails(
    client, ready, case_manager, contact_person, django_capture_on_commit_callbacks, monkeypatch
):
    from django.urls import reverse

    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: (_ for _ in ()).throw(OSError("refused")))
    client.force_login(case_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:step", args=[ready.pk, "submit_exit_report"]))
    assert response.status_code == 302 and response["Location"] == ready.get_absolute_url()
    assert state_of(ready) == "awaiting_closure"


def test_the_demo_data_hold_the_e_mails_back_but_the_journal_still_tells(
    ready, case_manager, contact_person, mailoutbox, django_capture_on_commit_callbacks
):
    with notices.held_back():
        callbacks = submit(ready, case_manager, django_capture_on_commit_callbacks)
    assert [callback for callback in callbacks if callback is not cached._bump] == [] and mailoutbox == []
    assert notices.sending()
    assert any(str(contact_person) in text for text in journal_texts(ready))


def test_only_the_failed_recipients_are_reported_for_another_try(ready, contact_person, officer, monkeypatch):
    sent = []

    def send_messages(self, messages):
        if messages[0].to == [officer.email]:
            raise SMTPException("552 mailbox full")
        sent.extend(messages)
        return len(messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    failed = notices.send_end_of_support(ready.pk, [contact_person.pk, officer.pk], None)
    assert failed == [officer.pk]
    assert [m.to for m in sent] == [[contact_person.email]]
    assert "Die Austrittsbilanz des Falls" in sent[0].body  # without the name of who submitted


def test_a_recipient_who_left_or_lost_the_address_since_is_skipped(ready, contact_person, officer, mailoutbox):
    contact_person.is_active = False
    contact_person.save()
    officer.email = ""
    officer.save()
    assert notices.send_end_of_support(ready.pk, [contact_person.pk, officer.pk], None) == []
    assert mailoutbox == []
