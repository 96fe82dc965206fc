"""Every kind of e-mail the application sends, in German and in French: plain text with
nothing HTML-escaped (no ``&#``, no ``&amp;``; an apostrophe stays one), built by cases/mail.py
(the password reset by Django, from a template that turns escaping off)."""

import datetime

import pytest
import time_machine
from django.core import mail as outbox
from django.urls import reverse
from django.utils import timezone

from cases import actions, mail, notices
from cases.deadlines import FIRST_MEETING, reminders
from cases.models import Notification, Reminder, ReminderKind
from cases.notifications import email as notification_email
from roles.models import NotificationDelivery, ReminderDelivery
from tests.helpers import at

pytestmark = pytest.mark.django_db

KINDS = ["reminder", "reminder digest", "end of support", "notification", "notification digest", "password reset"]
# What each French e-mail says with an apostrophe (and its German counterpart, to be sure of the language).
APOSTROPHE = {
    "reminder": ("L'échéance suivante", "Die folgende Frist"),
    "reminder digest": ("Première rencontre", "Erstes Treffen"),
    "end of support": ("fin de l'accompagnement", "Ende der Begleitung"),
    "notification": ("Le plan d'action du dossier", "Der Aktionsplan des Falls"),
    "notification digest": ("plan d'action", "Aktionsplan"),
    "password reset": ("n'êtes pas", "Jemand"),
}


@pytest.fixture
def reader(case_manager):
    """The case manager, with a name that HTML would escape."""
    case_manager.first_name, case_manager.last_name = "Zoé", "D'Amico & Co"
    case_manager.email = "zoe@example.ch"
    case_manager.save()
    return case_manager


def one_email(kind, reader, make_case, coordinator, client):
    """Make the application send one e-mail of ``kind`` to ``reader``; return it."""
    outbox.outbox.clear()
    if kind in ("reminder", "reminder digest"):
        reader.reminder_delivery = ReminderDelivery.DIGEST if kind == "reminder digest" else ReminderDelivery.EACH
        reader.save()
        with time_machine.travel(at(2026, 3, 2), tick=False):
            case = make_case("cm_designated")
        Reminder.objects.create(
            case=case, rule=FIRST_MEETING, due_on=datetime.date(2026, 3, 16), kind=ReminderKind.DUE, recipient=reader
        )
        assert reminders.send_pending(now=at(2026, 3, 16, 8)) == (1, 0)
    elif kind == "end of support":
        case = make_case("awaiting_closure")
        assert notices.send_end_of_support(case.pk, [reader.pk], coordinator.pk) == []
    elif kind in ("notification", "notification digest"):
        digest = kind == "notification digest"
        reader.notification_delivery = NotificationDelivery.DIGEST if digest else NotificationDelivery.AT_ONCE
        reader.save()
        with notices.held_back():  # only the validation below is e-mailed
            case = make_case("plan_validation")
        actions.validate_plan(case, by=coordinator)
        notification = Notification.objects.get(case=case, event="validate_plan")
        if digest:
            assert notification_email.send_digests(now=mail.digest_time(timezone.now()) + datetime.timedelta(hours=1)) == (1, 0)
        else:
            assert notification_email.send_at_once([notification.pk]) == []
    else:
        response = client.post(reverse("password_reset"), {"email": reader.email}, HTTP_ACCEPT_LANGUAGE=reader.language)
        assert response.status_code == 302
    [message] = [m for m in outbox.outbox if m.to == [reader.email]]
    return message


@pytest.mark.parametrize("language", ["de", "fr"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_email_is_plain_text_without_html_escapes(kind, language, reader, make_case, coordinator, client):
    reader.language = language
    reader.save()
    message = one_email(kind, reader, make_case, coordinator, client)
    for text in (message.subject, message.body):
        assert "&#" not in text and "&amp;" not in text and "&lt;" not in text
    french, german = APOSTROPHE[kind]
    assert (french if language == "fr" else german) in message.subject + message.body
    if kind != "password reset":  # Django's reset e-mail greets the username
        assert "D'Amico & Co" in message.body


def test_the_html_part_is_escaped_as_html_must_be(reader, make_case, coordinator, client):
    reader.language, reader.email_format = "fr", "html"
    reader.save()
    message = one_email("reminder", reader, make_case, coordinator, client)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "D&#x27;Amico &amp; Co" in html and "L&#x27;échéance suivante" in html
    assert "D'Amico & Co" in message.body
