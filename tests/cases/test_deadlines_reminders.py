"""Reminders of the CII101 deadlines (cases/deadlines/reminders.py, cases/tasks.py) and the "My tasks"
inbox (cases/views/inbox.py): the right reminder on the right day for the right person,
once; catch-up after a missed run; met deadlines drop out; e-mail in the recipient's
language; failed sends retried later; a fixed number of queries whatever the data size."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, notices
from cases.deadlines import FIRST_MEETING, PLAN_VALIDATION, POWER_OF_ATTORNEY, REVIEW_WITH_PERSON, TEAM_REVIEW, reminders
from cases.models import Case, Reminder, ReminderKind
from cases.tasks import send_reminders, sweep_reminders
from tests.conftest import make_member
from tests.factories import institution, region
from tests.helpers import at

pytestmark = pytest.mark.django_db

D = datetime.date


def of(rule, case=None):
    found = Reminder.objects.filter(rule=rule)
    if case is not None:
        found = found.filter(case=case)
    return list(found.order_by("pk").values_list("kind", "recipient__username", "due_on"))


# --- each rule, on the right day, for the right person, once ---------------------------------


def test_the_first_meeting_is_reminded_to_the_case_manager_on_the_due_day_then_overdue(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    assert reminders.sweep(D(2026, 3, 15)) == 0
    assert of(FIRST_MEETING) == []
    assert reminders.sweep(D(2026, 3, 16)) == 1
    assert of(FIRST_MEETING, case) == [("due", "cora-cm", D(2026, 3, 16))]
    assert reminders.sweep(D(2026, 3, 16)) == 0  # a repeated run adds nothing
    assert reminders.sweep(D(2026, 3, 17)) == 1
    assert reminders.sweep(D(2026, 3, 18)) == 0
    assert of(FIRST_MEETING, case) == [("due", "cora-cm", D(2026, 3, 16)), ("overdue", "cora-cm", D(2026, 3, 16))]


def test_the_plan_validation_is_reminded_to_the_case_coordinator(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("plan_validation")
    assert case.coordinator.username == "bob-coordinator"
    reminders.sweep(D(2026, 3, 11))
    assert of(PLAN_VALIDATION) == []
    reminders.sweep(D(2026, 3, 12))
    assert of(PLAN_VALIDATION, case) == [("due", "bob-coordinator", D(2026, 3, 12))]


def test_without_a_named_coordinator_the_active_coordinators_of_the_region_are_reminded(make_case):
    second = make_member("rita-regional", "regional_coordinator", region=region("ow"))
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("plan_validation")
    Case.objects.filter(pk=case.pk).update(coordinator=None)
    reminders.sweep(D(2026, 3, 13))
    assert sorted(of(PLAN_VALIDATION, case)) == [
        ("overdue", "bob-coordinator", D(2026, 3, 12)),
        ("overdue", second.username, D(2026, 3, 12)),
    ]


def test_both_reviews_are_reminded_to_their_own_person(make_case):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("implementation")
    reminders.sweep(D(2026, 6, 1))
    assert of(REVIEW_WITH_PERSON) == [] and of(TEAM_REVIEW) == []
    reminders.sweep(D(2026, 6, 2))
    assert of(REVIEW_WITH_PERSON, case) == [("due", "cora-cm", D(2026, 6, 2))]
    assert of(TEAM_REVIEW, case) == [("due", "bob-coordinator", D(2026, 6, 2))]


def test_the_power_of_attorney_is_reminded_30_and_7_days_before_on_the_day_and_expired(make_case, case_manager):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("implementation")
        poa = actions.record_power_of_attorney(case, by=case_manager, signed_on=D(2026, 3, 1), institutions=[institution("rav")])
    end = poa.valid_until
    assert end == D(2027, 2, 28)
    kinds = []
    for days_before in (31, 30, 29, 8, 7, 1, 0, -1):
        reminders.sweep(end - datetime.timedelta(days=days_before))
        kinds.append([kind for kind, _user, _due in of(POWER_OF_ATTORNEY, case)])
    assert kinds[0] == []
    assert kinds[1] == kinds[2] == ["30_days"]
    assert kinds[3] == ["30_days"] and kinds[4] == kinds[5] == ["30_days", "7_days"]
    assert kinds[6] == ["30_days", "7_days", "due"]
    assert kinds[7] == ["30_days", "7_days", "due", "overdue"]
    assert {user for _kind, user, _due in of(POWER_OF_ATTORNEY, case)} == {"cora-cm"}


def test_the_database_refuses_the_same_reminder_twice(make_case, case_manager):
    case = make_case("cm_designated")
    fields = {"case": case, "rule": FIRST_MEETING, "due_on": D(2026, 3, 16), "kind": ReminderKind.DUE, "recipient": case_manager}
    Reminder.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**fields)
    Reminder.objects.bulk_create([Reminder(**fields)], ignore_conflicts=True)
    assert Reminder.objects.count() == 1


# --- catching up, met deadlines -----------------------------------------------------------------


def test_a_run_after_missed_days_creates_the_stage_reached(make_case, case_manager):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
        poa = actions.record_power_of_attorney(case, by=case_manager, signed_on=D(2026, 3, 1), institutions=[institution("rav")])
    # No run between the 15th and the 20th: the first meeting is caught up as overdue.
    reminders.sweep(D(2026, 3, 15))
    assert reminders.sweep(D(2026, 3, 20)) == 1
    assert of(FIRST_MEETING, case) == [("overdue", "cora-cm", D(2026, 3, 16))]
    # No run during the last month of the power of attorney: the 7-day reminder is created.
    reminders.sweep(poa.valid_until - datetime.timedelta(days=3))
    assert [kind for kind, _u, _d in of(POWER_OF_ATTORNEY, case)] == ["7_days"]


def test_a_met_deadline_resolves_its_unsent_reminder_and_leaves_the_inbox(make_case, case_manager, client):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    reminders.sweep(D(2026, 3, 16))
    client.force_login(case_manager)
    with time_machine.travel(at(2026, 3, 16), tick=False):
        page = client.get(reverse("cases:my_tasks"))
        assert case.reference in page.content.decode()
        actions.start_plan(case, by=case_manager, first_meeting_on=D(2026, 3, 16))
        reminders.sweep(D(2026, 3, 17))
        page = client.get(reverse("cases:my_tasks"))
    reminder = Reminder.objects.get(rule=FIRST_MEETING)
    assert reminder.resolved_at is not None and reminder.sent_at is None
    assert reminders.send_pending() == (0, 0)
    assert mail.outbox == []
    assert case.reference not in page.content.decode()
    assert reminders.sweep(D(2026, 3, 18)) == 0


# --- sending --------------------------------------------------------------------------------------


def test_each_recipient_gets_the_mail_in_their_language(make_case, coordinator, settings):
    settings.IIZ_BASE_URL = "https://iiz.example.ch/"
    french = make_member("francine-regionale", "regional_coordinator", region=region("ow"))
    french.language = "fr"
    french.email = "francine@example.ch"
    french.save()
    coordinator.email = "bob@example.ch"
    coordinator.save()
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("plan_validation")
    Case.objects.filter(pk=case.pk).update(coordinator=None)
    reminders.sweep(D(2026, 3, 13))
    assert reminders.send_pending() == (2, 0)
    by_address = {message.to[0]: message for message in mail.outbox}
    german, french_mail = by_address["bob@example.ch"], by_address["francine@example.ch"]
    assert german.subject.startswith("Überfällig: ")
    assert case.reference in german.subject and "Fall öffnen:" in german.body
    assert french_mail.subject.startswith("En retard : ") and case.reference in french_mail.subject
    assert "Ouvrir le cas :" in french_mail.body and "12.03.2026" in french_mail.body
    assert f"https://iiz.example.ch/cases/{case.pk}/" in french_mail.body
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2
    assert reminders.send_pending() == (0, 0)  # sent once
    assert len(mail.outbox) == 2


def test_a_failed_send_is_recorded_and_retried_after_a_delay(make_case, case_manager, monkeypatch):
    case_manager.email = "cora@example.ch"
    case_manager.save()
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    with time_machine.travel(at(2026, 3, 16, 8), tick=False):
        reminders.sweep(D(2026, 3, 16))

        def broken(*args, **kwargs):
            raise ConnectionRefusedError("SMTP server unreachable")

        monkeypatch.setattr(reminders, "_send", broken)
        assert reminders.send_pending() == (0, 1)
    reminder = Reminder.objects.get(case=case, rule=FIRST_MEETING)
    assert reminder.attempts == 1 and "SMTP server unreachable" in reminder.last_error and reminder.sent_at is None
    assert reminder.last_attempt_at == at(2026, 3, 16, 8)
    monkeypatch.undo()
    # Too early: waits 2 minutes after the first failure.
    assert reminders.send_pending(now=at(2026, 3, 16, 8) + datetime.timedelta(minutes=1)) == (0, 0)
    assert reminders.send_pending(now=at(2026, 3, 16, 8) + datetime.timedelta(minutes=3)) == (1, 0)
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.attempts == 1
    assert mail.outbox[0].to == ["cora@example.ch"] and case.reference in mail.outbox[0].subject


def test_the_wait_before_a_retry_counts_from_the_last_attempt_and_is_at_most_a_day(make_case, case_manager):
    """A reminder created a month ago (a long mail outage) and failed five times waits 32
    minutes after its last attempt, not none because it is old; after many failures the
    wait stops growing at one day."""
    case_manager.email = "cora@example.ch"
    case_manager.save()
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("cm_designated")
    with time_machine.travel(at(2026, 3, 16, 8), tick=False):
        reminders.sweep(D(2026, 3, 16))
    last = at(2026, 4, 16, 9)
    Reminder.objects.filter(case=case).update(attempts=5, last_attempt_at=last, last_error="SMTPServerDisconnected")
    assert reminders.send_pending(now=last + datetime.timedelta(minutes=31)) == (0, 0)
    assert reminders.send_pending(now=last + datetime.timedelta(minutes=33)) == (1, 0)

    Reminder.objects.filter(case=case).update(sent_at=None, attempts=20, last_attempt_at=last)
    assert reminders.send_pending(now=last + datetime.timedelta(hours=23)) == (0, 0)
    assert reminders.send_pending(now=last + datetime.timedelta(hours=24, minutes=1)) == (1, 0)


def test_the_tasks_and_the_command_sweep_and_send(make_case, case_manager):
    case_manager.email = "cora@example.ch"
    case_manager.save()
    with time_machine.travel(at(2026, 3, 2), tick=False), notices.held_back():  # only the reminder is e-mailed
        make_case("cm_designated")
    with time_machine.travel(at(2026, 3, 20), tick=False):
        assert sweep_reminders.apply().get() == 1  # run here, as a worker would (CI has a broker, no worker)
        assert sweep_reminders() == 0
        assert send_reminders() == (1, 0)
        assert send_reminders() == (0, 0)
        call_command("run_reminders")
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_the_beat_schedule_runs_both_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks == {
        "cases.sweep_reminders",
        "cases.send_reminders",
        "cases.catch_up_notifications",
        "cases.send_notification_digests",
        "cases.anonymise_due",
    }


# --- a fixed number of queries -------------------------------------------------------------------


def sweep_queries(today):
    with CaptureQueriesContext(connection) as captured:
        reminders.sweep(today)
    return len(captured)


def test_the_sweep_runs_the_same_number_of_queries_for_1_and_8_cases(make_case, case_manager, django_assert_max_num_queries):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        first = make_case("implementation")
        actions.record_power_of_attorney(first, by=case_manager, signed_on=D(2026, 3, 1), institutions=[institution("rav")])
    small = sweep_queries(D(2027, 3, 5))
    Reminder.objects.all().delete()
    with time_machine.travel(at(2026, 3, 2), tick=False):
        for state in (
            "cm_designated",
            "plan_validation",
            "implementation",
            "implementation",
            "cm_designated",
            "plan_validation",
            "implementation",
        ):
            case = make_case(state)
            actions.record_power_of_attorney(case, by=case_manager, signed_on=D(2026, 3, 1), institutions=[institution("rav")])
    with django_assert_max_num_queries(small):
        created = reminders.sweep(D(2027, 3, 5))
    assert created >= 8 * 2
    assert small <= 14  # nine reads, the transaction, two counts and the insert


# --- the inbox --------------------------------------------------------------------------------


def test_my_tasks_lists_the_users_deadlines_soonest_first_overdue_marked(make_case, case_manager, coordinator, client):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        meeting = make_case("cm_designated")
    with time_machine.travel(at(2026, 3, 10), tick=False):
        plan = make_case("plan_validation")
    with time_machine.travel(at(2026, 3, 19), tick=False):
        client.force_login(case_manager)
        page = client.get(reverse("cases:my_tasks"))
        html = page.content.decode()
        assert page.status_code == 200
        assert meeting.reference in html and plan.reference not in html  # the validation is the coordinator's
        assert "table-danger" in html and "3 Tage überfällig" in html
        client.force_login(coordinator)
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert plan.reference in html and meeting.reference not in html
    assert "table-warning" in html and "fällig in 1 Tag" in html


def test_my_tasks_lists_what_is_overdue_or_due_within_30_days(make_case, case_manager, client):
    """A plan validated on 5 January: the review with the person is due on 5 April. My tasks
    lists it from 6 March (30 days before), not earlier; the case page shows it all along."""
    with time_machine.travel(at(2026, 1, 5), tick=False):
        case = make_case("implementation")
    client.force_login(case_manager)
    for day, listed in ((D(2026, 3, 5), False), (D(2026, 3, 6), True), (D(2026, 4, 20), True)):
        with time_machine.travel(at(day.year, day.month, day.day), tick=False):
            html = client.get(reverse("cases:my_tasks")).content.decode()
            section = html.split('id="tasks-reviews"')[1].split("</section>")[0]
            assert (case.reference in section) == listed, day
            assert "in den nächsten 30 Tagen fällig" in html
    with time_machine.travel(at(2026, 3, 5), tick=False):
        assert (
            "Standortbestimmung mit der Person und Information des Netzwerks"
            in client.get(case.get_absolute_url()).content.decode()
        )


def test_my_tasks_is_in_french_for_a_french_user_and_empty_without_work(case_manager, client):
    case_manager.language = "fr"
    case_manager.save()
    client.force_login(case_manager)
    page = client.get(reverse("cases:my_tasks"))
    assert page.status_code == 200
    assert "Rien ne vous attend." in page.content.decode()


def test_my_tasks_answers_only_get(case_manager, client):
    client.force_login(case_manager)
    assert client.post(reverse("cases:my_tasks")).status_code == 405


def test_my_tasks_is_in_the_navigation_of_the_roles_with_work_waiting(case_manager, legal, steering, client):
    client.force_login(case_manager)
    assert reverse("cases:my_tasks") in client.get(reverse("home")).content.decode()
    client.force_login(legal)  # the legal commission: its requests to decide
    assert reverse("cases:my_tasks") in client.get(reverse("home")).content.decode()
    client.force_login(steering)
    assert reverse("cases:my_tasks") not in client.get(reverse("home")).content.decode()


def test_my_tasks_runs_a_fixed_number_of_queries(make_case, case_manager, client, django_assert_max_num_queries):
    client.force_login(case_manager)
    with time_machine.travel(at(2026, 3, 2), tick=False):
        make_case("cm_designated")
        make_case("implementation")
    with time_machine.travel(at(2026, 6, 20), tick=False):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:my_tasks")).status_code == 200
        small = len(captured)
    with time_machine.travel(at(2026, 3, 2), tick=False):
        for state in ("cm_designated", "implementation", "cm_designated", "implementation"):
            make_case(state)
    with time_machine.travel(at(2026, 6, 20), tick=False), django_assert_max_num_queries(small):
        page = client.get(reverse("cases:my_tasks"))
    assert page.content.decode().count("table-danger") >= 6
