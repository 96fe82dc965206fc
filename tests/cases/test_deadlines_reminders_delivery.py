"""Delivery of reminders (cases/deadlines/reminders.py): the daily digest by the user's choice, a
reminder claimed by one sender only, deputies reminded and shown their deadlines, the user's
settings page."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cases import actions
from cases.deadlines import FIRST_MEETING, REVIEW_WITH_PERSON, reminders
from cases.flow.grants import DEPUTY, SHARED
from cases.models import Reminder
from roles.models import ReminderDelivery
from tests.helpers import at

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def digest_cm(case_manager):
    case_manager.email = "cora@example.ch"
    case_manager.reminder_delivery = ReminderDelivery.DIGEST
    case_manager.save()
    return case_manager


def two_meetings_due(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        first = make_case("cm_designated")
    with time_machine.travel(at(2026, 3, 3), tick=False):
        second = make_case("cm_designated")
    return first, second


# --- the daily digest --------------------------------------------------------------------------


def test_a_digest_user_gets_all_pending_reminders_in_one_message_after_the_digest_hour(make_case, digest_cm):
    first, second = two_meetings_due(make_case)
    reminders.sweep(D(2026, 3, 16))  # first: due; second: not yet
    reminders.sweep(D(2026, 3, 17))  # first: overdue; second: due
    assert Reminder.objects.filter(recipient=digest_cm).count() == 3
    # Before 07:00 nothing goes out; the reminders wait.
    assert reminders.send_pending(now=at(2026, 3, 17, 6, 55)) == (0, 0)
    assert mail.outbox == []
    assert reminders.send_pending(now=at(2026, 3, 17, 7, 5)) == (3, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cora@example.ch"]
    assert message.subject == "IIZ: 3 Fristen zu verfolgen (17.03.2026)"
    assert first.reference in message.body and second.reference in message.body
    assert "überfällig seit 16.03.2026" in message.body and "heute fällig (17.03.2026)" in message.body
    assert "/cases/tasks/" in message.body
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_a_digest_goes_out_once_a_day_and_the_next_days_reminders_wait_for_the_next_morning(make_case, digest_cm):
    _first, _second = two_meetings_due(make_case)
    reminders.sweep(D(2026, 3, 16))
    assert reminders.send_pending(now=at(2026, 3, 16, 7, 30)) == (1, 0)
    reminders.sweep(D(2026, 3, 17))  # two new ones that morning, after a digest went out the day before
    assert reminders.send_pending(now=at(2026, 3, 16, 18)) == (0, 0)  # same day: no second digest
    assert reminders.send_pending(now=at(2026, 3, 17, 9)) == (2, 0)
    assert reminders.send_pending(now=at(2026, 3, 17, 9, 10)) == (0, 0)
    assert len(mail.outbox) == 2
    assert "2 Fristen" in mail.outbox[1].subject


def test_a_day_without_a_worker_is_caught_up_by_the_next_run(make_case, digest_cm):
    two_meetings_due(make_case)
    # Nothing ran on the 16th; the next run on the 18th at noon creates and sends what is due.
    reminders.sweep(D(2026, 3, 18))
    assert reminders.send_pending(now=at(2026, 3, 18, 12)) == (2, 0)
    assert len(mail.outbox) == 1 and "2 Fristen" in mail.outbox[0].subject


def test_the_digest_is_in_the_recipients_language_and_hour_comes_from_the_settings(make_case, digest_cm, settings):
    settings.IIZ_DIGEST_HOUR = 9
    digest_cm.language = "fr"
    digest_cm.save()
    first, _second = two_meetings_due(make_case)
    reminders.sweep(D(2026, 3, 16))
    assert reminders.send_pending(now=at(2026, 3, 16, 8, 30)) == (0, 0)
    assert reminders.send_pending(now=at(2026, 3, 16, 9)) == (1, 0)
    message = mail.outbox[0]
    assert message.subject == "IIZ : 1 échéance à suivre (16.03.2026)"
    assert "échéance aujourd’hui (16.03.2026)" in message.body and first.reference in message.body


def test_a_deadline_met_before_the_digest_is_left_out(make_case, digest_cm):
    first, second = two_meetings_due(make_case)
    reminders.sweep(D(2026, 3, 17))
    with time_machine.travel(at(2026, 3, 17, 8), tick=False):
        actions.start_plan(first, by=digest_cm, first_meeting_on=D(2026, 3, 17))
    reminders.sweep(D(2026, 3, 17))
    assert reminders.send_pending(now=at(2026, 3, 17, 9)) == (1, 0)
    assert first.reference not in mail.outbox[0].body and second.reference in mail.outbox[0].body


def test_a_failed_digest_is_recorded_on_each_reminder_and_retried(make_case, digest_cm, monkeypatch):
    two_meetings_due(make_case)
    with time_machine.travel(at(2026, 3, 17, 7), tick=False):
        reminders.sweep(D(2026, 3, 17))

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(reminders, "_send", broken)
    assert reminders.send_pending(now=at(2026, 3, 17, 7, 1)) == (0, 2)
    assert set(Reminder.objects.values_list("attempts", "claimed_until")) == {(1, None)}
    monkeypatch.undo()
    assert reminders.send_pending(now=at(2026, 3, 17, 7, 10)) == (2, 0)
    assert len(mail.outbox) == 1


# --- one sender per reminder ---------------------------------------------------------------------


def test_a_claimed_reminder_is_not_sent_by_a_second_sender(make_case, case_manager):
    case_manager.email = "cora@example.ch"
    case_manager.save()
    with time_machine.travel(at(2026, 3, 2), tick=False):
        make_case("cm_designated")
    reminders.sweep(D(2026, 3, 16))
    reminder = Reminder.objects.get()
    now = at(2026, 3, 16, 8)
    assert reminders.claim(reminder, now) is True
    # Another worker, a minute later, finds it held and leaves it.
    assert reminders.claim(reminder, now + datetime.timedelta(minutes=1)) is False
    assert reminders.send_pending(now=now + datetime.timedelta(minutes=1)) == (0, 0)
    assert mail.outbox == []
    # The first worker died without sending: once the claim has run out, the next run sends it.
    later = now + datetime.timedelta(minutes=reminders.CLAIM_MINUTES + 1)
    assert reminders.send_pending(now=later) == (1, 0)
    assert reminders.send_pending(now=later) == (0, 0)
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.claimed_until is None
    assert reminders.claim(reminder, later) is False  # sent: nobody claims it again


# --- deputies ------------------------------------------------------------------------------------


def test_a_deputy_in_force_is_reminded_with_the_case_manager_and_sees_the_deadline(make_case, coordinator, deputy, client):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
        other = make_case("cm_designated")
        actions.grant_access(case, by=coordinator, user=deputy, permission=DEPUTY, valid_until=D(2026, 3, 31), reason="Holidays")
        actions.grant_access(other, by=coordinator, user=deputy, permission=SHARED, valid_until=D(2026, 3, 31), reason="Read")
    with time_machine.travel(at(2026, 3, 16, 8), tick=False):
        reminders.sweep(D(2026, 3, 16))
        recipients = set(Reminder.objects.filter(case=case, rule=FIRST_MEETING).values_list("recipient__username", flat=True))
        assert recipients == {"cora-cm", "dora-deputy"}
        # A read-only share does not make anyone responsible.
        assert set(Reminder.objects.filter(case=other).values_list("recipient__username", flat=True)) == {"cora-cm"}
        client.force_login(deputy)
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert case.reference in html and other.reference not in html


def test_an_expired_deputy_grant_stops_reminders_and_tasks(make_case, coordinator, deputy, client):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
        actions.grant_access(case, by=coordinator, user=deputy, permission=DEPUTY, valid_until=D(2026, 3, 10), reason="Holidays")
    with time_machine.travel(at(2026, 3, 16, 8), tick=False):
        reminders.sweep(D(2026, 3, 16))
        client.force_login(deputy)
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert set(Reminder.objects.values_list("recipient__username", flat=True)) == {"cora-cm"}
    assert case.reference not in html


def test_the_review_candidates_include_a_review_due_at_the_month_end(make_case, case_manager):
    # Validated on 30 November: the review is due on 28 February, which the SQL narrowing
    # must not skip although 28 February - 3 months is 28 November.
    with time_machine.travel(at(2026, 11, 30), tick=False):
        case = make_case("implementation")
    assert reminders.sweep(D(2027, 2, 27)) == 0
    assert reminders.sweep(D(2027, 2, 28)) == 2
    assert Reminder.objects.filter(case=case, rule=REVIEW_WITH_PERSON, due_on=D(2027, 2, 28)).exists()


# --- the settings page ---------------------------------------------------------------------------


def test_the_user_chooses_the_digest_and_the_language_on_the_settings_page(case_manager, client):
    client.force_login(case_manager)
    page = client.get(reverse("preferences"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Erinnerungen per E-Mail" in html and "Eine tägliche Zusammenfassung" in html
    response = client.post(
        reverse("preferences"),
        {"language": "fr", "reminder_delivery": "digest", "notification_delivery": "at_once", "email_format": "text"},
    )
    assert response.status_code == 302
    case_manager.refresh_from_db()
    assert (case_manager.language, case_manager.reminder_delivery) == ("fr", "digest")
    assert "Vos paramètres ont été enregistrés." in client.get(response.headers["Location"]).content.decode()


def test_the_settings_page_refuses_bad_input_and_changes_nothing(case_manager, client):
    client.force_login(case_manager)
    page = client.post(
        reverse("preferences"),
        {"language": "xx", "reminder_delivery": "hourly", "notification_delivery": "digest", "email_format": "html"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("invalid-feedback") == 2
    case_manager.refresh_from_db()
    assert (case_manager.language, case_manager.reminder_delivery) == ("de", "each")
    assert (case_manager.notification_delivery, case_manager.email_format) == ("at_once", "text")


def test_the_settings_page_is_in_the_user_menu(case_manager, client):
    client.force_login(case_manager)
    assert reverse("preferences") in client.get(reverse("home")).content.decode()
