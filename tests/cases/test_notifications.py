"""Notifications (cases/notifications): who is told of which step, the bell and its count,
the notifications page, and the e-mails at once or in the daily digest, each sent once in
the recipient's language. The real workers are in test_notifications_worker.py."""

import datetime

import pytest
import time_machine
from django.core import mail as outbox
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from cases import actions, mail, notices, notifications, tasks
from cases.flow.grants import DEPUTY
from cases.models import EmailState, Notification
from cases.notifications import email as notification_email
from roles.models import EmailFormat, NotificationDelivery
from tests.conftest import make_member
from tests.factories import PersonFactory, institution, region
from tests.helpers import at

pytestmark = pytest.mark.django_db


def after_digest_hour():
    return mail.digest_time(timezone.now()) + datetime.timedelta(hours=1)


def told(case, event):
    return sorted(Notification.objects.filter(case=case, event=event).values_list("recipient__username", flat=True))


def unread_rows(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def bell(user):
    user.refresh_from_db(fields=["unread_notifications"])
    return user.unread_notifications


# --- who is told ---------------------------------------------------------------------------------


def test_a_report_tells_the_coordinator_and_the_contact_persons_of_the_institutions_involved(
    make_case, coordinator, case_manager, contact_person, deputy, secretariat
):
    case = make_case("reported")
    # carl (RAV) and cora (social services) are contact persons of institutions involved in
    # Oberwallis; dora (AI, Unterwallis), the secretariat and the front-line worker who reported are not told
    assert told(case, "report") == ["bob-coordinator", "carl-contact", "cora-cm"]


def test_the_steps_up_to_the_validated_plan_tell_whom_each_waits_for(make_case, secretariat, contact_person):
    case = make_case("implementation")  # by an assessment
    assert told(case, "plan_assessment") == ["sam-secretariat"]
    assert told(case, "designate_case_manager") == ["cora-cm"]
    assert told(case, "submit_plan") == ["bob-coordinator"]
    assert told(case, "validate_plan") == ["cora-cm"]
    assert told(case, "start_plan") == []  # nobody waits for it


def test_a_plan_sent_back_tells_the_case_manager_and_links_to_the_plan(make_case, coordinator, case_manager):
    case = make_case("plan_validation")
    actions.send_back_plan(case, by=coordinator, reasons="Ziele genauer fassen.", options="Arbeitstraining prüfen.")
    notification = Notification.objects.get(case=case, event="send_back_plan")
    assert notification.recipient == case_manager and notification.actor == coordinator
    assert notifications.url(notification) == reverse("cases:edit_plan", args=[case.pk])


def test_a_network_meeting_asked_for_tells_the_coordinator(make_case):
    case = make_case("network")
    assert told(case, "ask_network") == ["bob-coordinator"]


def test_a_closed_case_tells_the_case_manager_the_coordinator_and_the_reporter(make_case):
    case = make_case("closed")  # closed by the officer
    assert told(case, "close") == ["bob-coordinator", "cora-cm", "fred-frontline"]


def test_the_user_who_acts_is_never_told(make_case, coordinator, case_manager):
    case = make_case("implementation", reporter=coordinator)
    assert told(case, "report") == ["cora-cm"]  # not the coordinator who reported it
    assert Notification.objects.filter(case=case).count() == 4  # report, designation, plan submitted, validated
    assert not Notification.objects.filter(case=case, recipient_id=F("actor_id")).exists()


def test_a_deputy_case_manager_in_force_is_told_too(make_case, coordinator, case_manager, deputy):
    case = make_case("plan_validation")
    actions.grant_access(
        case,
        by=coordinator,
        user=deputy,
        permission=DEPUTY,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        reason="Ferienvertretung",
    )
    actions.validate_plan(case, by=coordinator)
    assert told(case, "validate_plan") == ["cora-cm", "dora-deputy"]


def test_another_case_manager_designated_is_told(make_case, coordinator):
    case = make_case("implementation")
    other = make_member("nina-new", "contact_person", region=region("ow"), institution=institution("rav"))
    actions.replace_case_manager(case, by=coordinator, case_manager=other, reason="Stellenwechsel")
    assert told(case, "designate_case_manager") == ["cora-cm", "nina-new"]  # cora at the first designation


def test_inactive_users_are_not_told(make_case, contact_person):
    contact_person.is_active = False
    contact_person.save()
    assert "carl-contact" not in told(make_case("reported"), "report")


# --- the bell and the page -----------------------------------------------------------------------


def test_the_bell_counts_the_unread_notifications_and_the_page_marks_the_shown_ones_read(
    client, make_case, case_manager, settings, monkeypatch
):
    monkeypatch.setattr(notifications, "PAGE_SIZE", 2)
    monkeypatch.setattr("cases.views.notifications.PAGE_SIZE", 2)
    make_case("implementation")  # report, designation, validation: three for cora
    assert bell(case_manager) == unread_rows(case_manager) == 3
    client.force_login(case_manager)
    home = client.get(reverse("home")).content.decode()
    assert 'notification-count">3<' in home and reverse("cases:notifications") in home
    page = client.get(reverse("cases:notifications")).content.decode()
    assert page.count("notification-new") == 2  # the newest two, shown as new this once
    assert bell(case_manager) == unread_rows(case_manager) == 1
    assert 'notification-count">1<' in page  # the bell of the page itself already counts them read
    assert client.get(reverse("cases:notifications")).content.decode().count("notification-new") == 0
    assert client.get(reverse("cases:notifications") + "?page=2").content.decode().count("notification-new") == 1
    assert bell(case_manager) == unread_rows(case_manager) == 0
    assert "notification-count" not in client.get(reverse("home")).content.decode()


def test_mark_all_read_empties_the_bell_and_a_new_step_raises_it_again(client, make_case, coordinator, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    assert bell(case_manager) == 2
    response = client.post(reverse("cases:notifications_read"))
    assert response.status_code == 302 and response.headers["Location"] == reverse("cases:notifications")
    assert bell(case_manager) == unread_rows(case_manager) == 0
    actions.validate_plan(case, by=coordinator)
    assert bell(case_manager) == unread_rows(case_manager) == 1


def test_the_page_shows_only_ones_own_notifications_newest_first_in_the_readers_language(
    client, make_case, case_manager, coordinator
):
    case = make_case("plan_validation")
    case_manager.language = "fr"
    case_manager.save()
    client.force_login(case_manager)
    html = client.get(reverse("cases:notifications")).content.decode()
    designated = f"Vous avez été désigné·e case manager du dossier {case.reference}."
    assert html.index(designated) < html.index(f"Le dossier {case.reference} a été signalé")  # newest first
    assert f"Aktionsplan des Falls {case.reference}" not in html  # the coordinator's, in German: not hers
    client.force_login(coordinator)
    german = client.get(reverse("cases:notifications")).content.decode()
    assert f"Der Aktionsplan des Falls {case.reference} wurde Ihnen zur Validierung eingereicht." in german
    assert designated not in german


def test_the_notifications_page_asks_for_login_and_mark_all_read_only_answers_post(client, case_manager):
    url = reverse("cases:notifications")
    assert client.get(url).headers["Location"].startswith(reverse("login"))
    client.force_login(case_manager)
    assert client.get(reverse("cases:notifications_read")).status_code == 405


@pytest.mark.parametrize("n", [1, 30])
def test_the_notifications_page_runs_a_fixed_number_of_queries(client, case_manager, coordinator, n, django_assert_num_queries):
    case = None
    for _ in range(n):
        case = actions.report_case(
            by=coordinator,
            person=PersonFactory.build(),
            reporting_institution=institution("social"),
            institutions=[institution("social")],
            region=region("ow"),
            theme=None,
            reason="Sozialhilfe",
        )
    assert bell(case_manager) == n and case is not None
    client.force_login(case_manager)
    # user, memberships (the session comes from the cache); the count and the page of notifications with who acted;
    # marking the shown ones read, recounting the bell and reading it back; +2: My tasks (n) in
    # the navigation and the user's per-case grants it needs (cases/worklists.py)
    with django_assert_num_queries(7 + 2):
        assert client.get(reverse("cases:notifications")).status_code == 200
    # again: the first page has nothing new, so nothing is marked or recounted; My tasks (n)
    # now from the figures' cache (cases/cached.py), without the grants it needed
    with django_assert_num_queries(4):
        assert client.get(reverse("cases:notifications")).status_code == 200


# --- by e-mail -------------------------------------------------------------------------------------


@pytest.fixture
def cora_by_mail(case_manager):
    case_manager.email = "cora@example.ch"
    case_manager.language = "fr"
    case_manager.save()
    return case_manager


def test_a_notification_is_emailed_once_after_commit_in_the_recipients_language(
    make_case, coordinator, cora_by_mail, django_capture_on_commit_callbacks, task_runs_here
):
    case = make_case("plan_validation")
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.validate_plan(case, by=coordinator)
    assert outbox.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [message] = outbox.outbox
    assert message.to == ["cora@example.ch"]
    assert f"Le plan d'action du dossier {case.reference} a été validé." in message.body
    assert message.subject == f"CII : Le plan d'action du dossier {case.reference} a été validé."
    assert message.alternatives == []  # plain text, as she chose
    notification = Notification.objects.get(case=case, event="validate_plan")
    assert notification.email_state == EmailState.SENT and notification.emailed_at is not None
    tasks.send_notifications.apply(args=([notification.pk],))  # a second worker, or a retry
    assert len(outbox.outbox) == 1


def test_an_html_part_is_added_when_the_recipient_chose_it(make_case, coordinator, cora_by_mail):
    cora_by_mail.email_format = EmailFormat.HTML
    cora_by_mail.save()
    case = make_case("plan_validation")
    outbox.outbox.clear()
    actions.validate_plan(case, by=coordinator)
    notification = Notification.objects.get(case=case, event="validate_plan")
    notification_email.send_at_once([notification.pk])
    [message] = outbox.outbox
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "plan d&#x27;action" in html and '<html lang="fr">' in html
    assert "plan d'action" in message.body


def test_the_daily_digest_sends_one_email_a_day_with_the_unsent_notifications(make_case, coordinator, cora_by_mail):
    cora_by_mail.notification_delivery = NotificationDelivery.DIGEST
    cora_by_mail.save()
    with time_machine.travel(at(2026, 3, 2, 6), tick=False):
        case = make_case("plan_validation")
        ids = list(Notification.objects.filter(recipient=cora_by_mail).values_list("pk", flat=True))
        notification_email.send_at_once(ids)
        assert notification_email.send_digests() == (0, 0)  # before the digest hour
    assert outbox.outbox == []  # they wait for the digest
    with time_machine.travel(at(2026, 3, 2, 7, 5), tick=False):
        assert tasks.send_notification_digests.apply().get() == (2, 0)  # run here, as a worker would
    [message] = outbox.outbox
    assert message.to == ["cora@example.ch"] and message.subject == "CII : 2 notifications (02.03.2026)"
    assert f"Vous avez été désigné·e case manager du dossier {case.reference}." in message.body
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        assert notification_email.send_digests() == (0, 0)  # each once
        actions.validate_plan(case, by=coordinator)
        assert notification_email.send_digests() == (0, 0)  # one digest a day
    with time_machine.travel(at(2026, 3, 3, 7, 5), tick=False):
        assert notification_email.send_digests() == (1, 0)
    assert len(outbox.outbox) == 2


def test_no_email_for_who_chose_none_nor_while_the_demo_replays_the_past(make_case, coordinator, cora_by_mail):
    cora_by_mail.notification_delivery = NotificationDelivery.NONE
    cora_by_mail.save()
    case = make_case("plan_validation")
    assert set(Notification.objects.filter(recipient=cora_by_mail).values_list("email_state", flat=True)) == {"none"}
    assert notification_email.send_digests(now=after_digest_hour()) == (0, 0) and outbox.outbox == []
    cora_by_mail.notification_delivery = NotificationDelivery.DIGEST
    cora_by_mail.save()
    with notices.held_back():
        actions.validate_plan(case, by=coordinator)
    assert Notification.objects.get(case=case, event="validate_plan").email_state == EmailState.NONE
    assert bell(cora_by_mail) == 3  # under the bell all the same
    assert notification_email.send_digests(now=after_digest_hour()) == (0, 0) and outbox.outbox == []


def test_a_failed_email_is_given_back_and_sent_by_the_next_attempt(make_case, coordinator, cora_by_mail, monkeypatch):
    case = make_case("plan_validation")
    actions.validate_plan(case, by=coordinator)
    notification = Notification.objects.get(case=case, event="validate_plan")
    outbox.outbox.clear()
    Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.PENDING, emailed_at=None)

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("cases.mail.send", refuse)
    assert notification_email.send_at_once([notification.pk]) == [notification.pk]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.PENDING and notification.emailed_at is None
    monkeypatch.undo()
    assert notification_email.send_at_once([notification.pk]) == []
    assert len(outbox.outbox) == 1


def test_a_notification_whose_task_never_ran_is_sent_by_the_catch_up_once(make_case, coordinator, cora_by_mail, monkeypatch):
    monkeypatch.setattr(tasks.send_notifications, "delay", lambda ids: None)  # the task is lost
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        case = make_case("plan_validation")
        actions.validate_plan(case, by=coordinator)
    assert outbox.outbox == []
    with time_machine.travel(at(2026, 3, 2, 9, 5), tick=False):
        assert tasks.catch_up_notifications.apply().get() == 0
        assert outbox.outbox == []  # it may still be on its way
    with time_machine.travel(at(2026, 3, 2, 9, 11), tick=False):
        assert tasks.catch_up_notifications.apply().get() == 0
        assert tasks.catch_up_notifications.apply().get() == 0
    assert [message.subject for message in outbox.outbox if message.to == ["cora@example.ch"]] == [
        f"CII : Le dossier {case.reference} a été signalé : il vous concerne ou attend votre décision.",
        f"CII : Vous avez été désigné·e case manager du dossier {case.reference}.",
        f"CII : Le plan d'action du dossier {case.reference} a été validé.",
    ]
    assert len({(message.to[0], message.subject) for message in outbox.outbox}) == len(outbox.outbox)  # none twice


def test_the_text_is_never_stored_translated(make_case, case_manager):
    case = make_case("cm_designated")
    notification = Notification.objects.get(case=case, event="designate_case_manager")
    assert notification.params == {"reference": case.reference}
    with translation.override("de"):
        assert notifications.text(notification) == f"Sie wurden als Case Manager·in des Falls {case.reference} bezeichnet."
    with translation.override("fr"):
        assert notifications.text(notification).startswith("Vous avez été désigné·e case manager")


def test_users_without_an_address_are_not_emailed(make_case, coordinator, case_manager):
    case_manager.email = ""
    case_manager.save()
    case = make_case("plan_validation")
    assert set(Notification.objects.filter(case=case, recipient=case_manager).values_list("email_state", flat=True)) == {"none"}


def test_saving_a_stale_copy_of_the_user_keeps_the_unread_count(make_case, coordinator, case_manager):
    stale = type(case_manager).objects.get(pk=case_manager.pk)
    make_case("plan_validation")
    assert bell(case_manager) == 2 and stale.unread_notifications == 0
    stale.first_name = "Cora"
    stale.save()  # a settings form or the admin saving what it loaded before
    assert bell(case_manager) == unread_rows(case_manager) == 2


def test_the_page_and_mark_all_read_ask_the_policy(client, case_manager, monkeypatch):
    """Both views have their entry in the policy and answer its refusal with 403."""
    import dataclasses

    import rules

    from cases.flow import policy

    client.force_login(case_manager)
    assert policy.permits(case_manager, "view_notifications") and policy.permits(case_manager, "mark_notifications_read")
    for name in ("view_notifications", "mark_notifications_read"):
        monkeypatch.setitem(policy.OPERATIONS, name, dataclasses.replace(policy.OPERATIONS[name], who=rules.always_deny))
    assert client.get(reverse("cases:notifications")).status_code == 403
    assert client.post(reverse("cases:notifications_read")).status_code == 403
