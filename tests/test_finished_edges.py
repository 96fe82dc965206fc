"""Finished edges (issue 19, point 4): the error pages as users see them, empty states that
say what to do next, forms that keep what was typed, messages announced to screen readers,
the print stylesheet, and the texts of the Swiss German and French interfaces."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from roles.models import Institution
from tests.helpers import intake_data, person, text

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


# --- error pages -------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "title"), [("de", "Nicht gefunden"), ("fr", "Introuvable")])
def test_a_case_outside_the_scope_shows_the_styled_404_in_the_users_language(client, make_case, contact_person, language, title):
    case = make_case("reported", region_code="uw")  # the contact person works in Oberwallis
    contact_person.language = language
    contact_person.save(update_fields=["language"])
    client.force_login(contact_person)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 404
    page = html(response)
    assert f"<title>{title}" in page
    assert f'<html lang="{language}">' in page
    assert "/static/css/iiz.css" in page and 'class="app-header"' in page
    assert "URLconf" not in page and "Traceback" not in page


def test_the_default_set_up_is_not_in_debug_mode():
    """.ci/serve runs on the embedded defaults: the demo users never see a debug page."""
    from iiz.config import load

    assert load({}).debug is False
    serve = (ROOT / ".ci/serve").read_text()
    assert "DEBUG=1" not in serve and "DEBUG=true" not in serve.lower()


def test_static_files_are_served_without_debug(client):
    assert settings.DEBUG is False
    assert settings.WHITENOISE_USE_FINDERS is True
    response = client.get("/static/css/iiz.css")
    assert response.status_code == 200
    assert b".skip-link" in b"".join(response.streaming_content)


@pytest.mark.parametrize(("language", "title"), [("de", "Serverfehler"), ("fr", "Erreur du serveur")])
def test_the_500_page_is_styled_and_translated_without_a_request(language, title):
    from django.views.defaults import server_error

    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    page = html(response)
    assert response.status_code == 500
    assert f'<html lang="{language}">' in page
    assert title in page
    assert "/static/css/iiz.css" in page
    assert "style=" not in page  # the content security policy forbids inline styles


def test_the_400_page_is_styled_and_translated(client, coordinator):
    from django.views.defaults import bad_request

    request = RequestFactory().get("/")
    request.user = coordinator
    with translation.override("de"):
        response = bad_request(request, exception=None)
    assert response.status_code == 400
    assert "Anfrage nicht verstanden" in html(response)
    assert "/static/css/iiz.css" in html(response)


def test_a_form_sent_without_its_token_shows_the_styled_page_in_german():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formular abgelaufen" in html(response)
    assert "/static/css/iiz.css" in html(response)


# --- messages, print stylesheet ----------------------------------------------------------


def test_a_success_message_is_announced_politely_and_an_error_at_once(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("preferences"),
        {"language": "de", "reminder_delivery": "each", "notification_delivery": "at_once", "email_format": "text"},
        follow=True,
    )
    page = html(response)
    assert re.search(r'class="alert alert-success" role="status">[^<]*gespeichert', page), "no announced success message"
    from django.contrib.messages import constants
    from django.template.loader import render_to_string

    request = RequestFactory().get("/")
    request.user = coordinator

    class Message:
        level, tags = constants.ERROR, "error"

        def __str__(self):
            return "Kaputt"

    rendered = render_to_string("base.html", {"messages": [Message()]}, request=request)
    assert 'class="alert alert-danger" role="alert">Kaputt' in rendered


def test_every_page_links_the_print_stylesheet(client, coordinator):
    client.force_login(coordinator)
    page = html(client.get(reverse("cases:list")))
    assert 'href="/static/css/print.css" media="print"' in page
    css = (ROOT / "static/css/print.css").read_text()
    for hidden in (".app-header", ".btn", ".filter-card", 'form[method="post"]', ".case-sections"):
        assert hidden in css
    assert ".table-responsive" in css and "overflow: visible" in css


# --- empty states ------------------------------------------------------------------------


def test_the_empty_lists_say_what_to_do_next(client, contact_person):
    client.force_login(contact_person)
    cases = html(client.get(reverse("cases:list")))
    assert "Fälle erscheinen hier, sobald einer in Ihrer Region oder Ihrem Thema gemeldet wird" in cases
    filtered = html(client.get(reverse("cases:list"), {"q": "Niemand"}))
    assert "Filter zurücksetzen" in filtered
    tasks = html(client.get(reverse("cases:my_tasks")))
    assert "Eine Aufgabe erscheint hier, sobald ein Fall Sie braucht." in tasks
    assert f'href="{reverse("cases:list")}"' in tasks
    notifications = html(client.get(reverse("cases:notifications")))
    assert "Welche auch per E-Mail kommen, wählen Sie unter" in notifications
    assert f'href="{reverse("preferences")}"' in notifications


def test_the_empty_print_queue_says_where_documents_come_from(client, secretariat):
    client.force_login(secretariat)
    page = html(client.get(reverse("cases:print_queue")))
    assert "Dokumente kommen von selbst hierher" in page


# --- forms keep what was typed -----------------------------------------------------------


def test_the_intake_form_keeps_what_was_typed_when_it_fails(client, frontline):
    client.force_login(frontline)
    data = intake_data(**{"person-birth_date": "", "person-street": "Bahnhofstrasse 99", "report-reason": "Getippt."})
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 400  # the form again, with its errors
    page = html(response)
    assert 'value="Bahnhofstrasse 99"' in page
    assert "Getippt." in page
    assert 'aria-describedby="id_person-birth_date-errors"' in page
    assert 'aria-invalid="true"' in page


# --- texts ---------------------------------------------------------------------------------


def test_the_intake_form_names_each_institution_once_and_spaces_its_checkboxes(client, frontline):
    client.force_login(frontline)
    page = html(client.get(reverse("cases:intake")))
    assert "Sucht Wallis · Sucht Wallis" not in page and "Sucht Wallis – Sucht Wallis" not in page
    assert ">Sucht Wallis</label>" in page
    assert ">RAV – Regionale Arbeitsvermittlungszentren" in page
    addiction = Institution.objects.get(code="addiction")
    assert re.search(rf'<input type="checkbox" name="report-institutions" value="{addiction.pk}" class="form-check-input"', page)
    css = (ROOT / "static/css/iiz.css").read_text()
    assert ".institution-checks .form-check-label { padding-left" in css


def test_the_swiss_german_catalogue_has_no_sharp_s():
    catalogue = polib.pofile(str(ROOT / "locale/de/LC_MESSAGES/django.po"))
    for entry in catalogue:
        assert "ß" not in entry.msgstr, entry.msgid
        assert all("ß" not in value for value in entry.msgstr_plural.values()), entry.msgid


def test_a_failed_login_says_gross_kleinschreibung(client, db):
    response = client.post(reverse("login"), {"username": "niemand", "password": "falsch-falsch"})
    page = html(response)
    assert "Gross-/Kleinschreibung" in page
    assert "ß" not in page


def test_german_greetings_have_a_comma_after_the_name():
    with translation.override("de"):
        assert translation.gettext("Hello %(name)s,") % {"name": "Monika Werlen"} == "Guten Tag Monika Werlen,"
        assert translation.gettext("Hello %(user)s,") % {"user": "Monika Werlen"} == "Guten Tag Monika Werlen,"


@pytest.mark.parametrize(
    ("sex", "undersigned", "born"),
    [("f", "Je soussignée délie", "née le"), ("m", "Je soussigné délie", "né le"), ("x", "Je soussigné·e délie", "né·e le")],
)
def test_the_french_documents_follow_the_persons_sex(client, make_case, officer, sex, undersigned, born):
    case = make_case("closed", person=person("fr", sex=sex))
    client.force_login(officer)

    def pdf(name):
        response = client.get(reverse(name, args=[case.pk]))
        assert response.status_code == 200
        return " ".join(text(response.content).split())

    assert undersigned in pdf("cases:poa_form_pdf")
    assert f"Zürcher, {born}" in pdf("cases:exit_report_pdf")
    from cases.documents.rendering import closure_letter_body

    supported = {"f": "vous ont accompagnée ensemble", "m": "vous ont accompagné ensemble", "x": "vous ont accompagné·e ensemble"}
    assert supported[sex] in closure_letter_body(case, case.exit_report)  # the letter the officer adapts
