"""The pages of the scheduled meetings: scheduling from the case, the meeting's page with
its checklist warning, replies and letter, the calendar and its private feed; who may, and
a fixed number of queries whatever the data size."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cases.models import AccessLog, MeetingState, Participant, Reply, ScheduledMeeting
from cases.scheduling import actions as scheduling
from cases.scheduling.actions import Invitee, When
from tests.helpers import person, text

pytestmark = pytest.mark.django_db


def when(days=7):
    start = (timezone.now() + datetime.timedelta(days=days)).replace(second=0, microsecond=0)
    return When(start, start + datetime.timedelta(hours=2), "IIZ-Büro, Brig")


def schedule(case, by, *invitees):
    return scheduling.schedule_case_meeting(case, by=by, when=when(), invitees=list(invitees))


def schedule_post(**extra):
    start = timezone.localtime() + datetime.timedelta(days=5)
    return {
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT11:00"),
        "place": "IIZ-Büro, Brig",
        "video_link": "",
        "externals": "Dr. Anna Muster; anna@praxis.ch; fr",
        "invite_person": "on",
        **extra,
    }


def test_the_secretariat_schedules_from_the_case_page_and_the_invitations_go_out(
    client, make_case, secretariat, coordinator, task_runs_here, django_capture_on_commit_callbacks
):
    case = make_case("assessment", person=person("fr"))
    client.force_login(secretariat)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:schedule_meeting", args=[case.pk]) in page
    assert client.get(reverse("cases:schedule_meeting", args=[case.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:schedule_meeting", args=[case.pk]), schedule_post(users=[str(coordinator.pk)]))
    meeting = ScheduledMeeting.objects.get(case=case)
    assert response.status_code == 302 and response.headers["Location"] == meeting.get_absolute_url()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["anna@praxis.ch", coordinator.email])
    french = next(m for m in mail.outbox if m.to == ["anna@praxis.ch"])
    assert "Vous êtes invité" in french.body
    assert Calendar.from_ical(french.attachments[0][1])["METHOD"] == "REQUEST"
    assert meeting.participants.filter(is_person=True).exists()
    # Scheduled: the case page links to the meeting, not to scheduling it again.
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert meeting.get_absolute_url() in page
    assert reverse("cases:schedule_meeting", args=[case.pk]) not in page


def test_a_bad_external_line_is_shown_next_to_its_field(client, make_case, secretariat):
    case = make_case("assessment")
    client.force_login(secretariat)
    response = client.post(reverse("cases:schedule_meeting", args=[case.pk]), schedule_post(externals="Dr. Muster"))
    assert response.status_code == 200
    assert "Zeile 1" in response.content.decode()
    assert not ScheduledMeeting.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "contact_person", "frontline", "officer"])
def test_only_the_secretariat_opens_the_scheduling_of_an_assessment(client, make_case, request, who):
    case = make_case("assessment")
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("cases:schedule_meeting", args=[case.pk])).status_code == 403
    assert client.post(reverse("cases:schedule_meeting", args=[case.pk]), schedule_post()).status_code == 403
    assert not ScheduledMeeting.objects.exists()


def test_the_checklist_warning_shows_until_every_item_is_ticked(client, make_case, secretariat, coordinator):
    case = make_case("assessment")
    meeting = schedule(case, secretariat)
    item = meeting.agenda.get()
    for user in (secretariat, coordinator):
        client.force_login(user)
        assert "checklist-warning" in client.get(meeting.get_absolute_url()).content.decode()
        assert "checklist-warning" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.force_login(secretariat)
    for check in ("person_data", "power_of_attorney", "documents"):
        response = client.post(reverse("cases:meeting_checklist", args=[meeting.pk, item.pk]), {"check": check})
        assert response.status_code == 302
    item.refresh_from_db()
    assert item.checklist_done and item.documents_by == secretariat
    for user in (secretariat, coordinator):
        client.force_login(user)
        assert "checklist-warning" not in client.get(meeting.get_absolute_url()).content.decode()
        assert "checklist-warning" not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_a_contact_person_may_not_tick_the_checklist_or_record_replies(client, make_case, secretariat, contact_person):
    case = make_case("assessment")
    meeting = schedule(case, secretariat, Invitee(user=contact_person))
    client.force_login(contact_person)
    item, participant = meeting.agenda.get(), meeting.participants.get()
    assert client.post(reverse("cases:meeting_checklist", args=[meeting.pk, item.pk]), {"check": "documents"}).status_code == 403
    assert client.post(reverse("cases:meeting_reply", args=[meeting.pk, participant.pk]), {"reply": "attends"}).status_code == 403
    assert client.post(reverse("cases:cancel_meeting", args=[meeting.pk])).status_code == 403
    participant.refresh_from_db()
    assert participant.reply == Reply.NONE


def test_a_meeting_outside_the_scope_does_not_exist(client, make_case, secretariat, thematic_coordinator):
    meeting = schedule(make_case("assessment"), secretariat)
    client.force_login(thematic_coordinator)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.post(reverse("cases:cancel_meeting", args=[meeting.pk])).status_code == 404


def test_the_secretariat_records_a_reply_moves_and_cancels(
    client, make_case, secretariat, contact_person, task_runs_here, django_capture_on_commit_callbacks
):
    meeting = schedule(make_case("assessment"), secretariat, Invitee(user=contact_person))
    participant = meeting.participants.get()
    client.force_login(secretariat)
    client.post(reverse("cases:meeting_reply", args=[meeting.pk, participant.pk]), {"reply": "attends"})
    participant.refresh_from_db()
    assert participant.reply == Reply.ATTENDS and participant.reply_by == secretariat
    data = schedule_post()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:reschedule_meeting", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cases:cancel_meeting", args=[meeting.pk]), {"reason": "Krankheit"})
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED and meeting.sequence == 2
    assert [Calendar.from_ical(m.attachments[0][1])["METHOD"] for m in mail.outbox] == ["REQUEST", "CANCEL"]


def test_the_letter_to_the_person_is_downloaded_and_logged(client, make_case, secretariat):
    case = make_case("assessment", person=person("fr"))
    meeting = schedule(case, secretariat, Invitee(person=True))
    client.force_login(secretariat)
    response = client.get(reverse("cases:meeting_letter", args=[meeting.pk, meeting.agenda.get().pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Invitation à une séance" in text(response.content)
    assert AccessLog.objects.filter(case=case, user=secretariat, detail="meeting letter (PDF)").exists()


def _feed_token(client, user) -> str:
    client.force_login(user)
    client.post(reverse("cases:calendar_token"))
    page = client.get(reverse("cases:calendar")).content.decode()
    start = page.index("/cases/calendar/feed/") + len("/cases/calendar/feed/")
    return page[start : page.index(".ics", start)]


def test_the_feed_gives_only_the_users_meetings_and_a_new_token_replaces_the_old(client, make_case, secretariat, contact_person):
    mine = schedule(make_case("assessment"), secretariat, Invitee(user=contact_person))
    other = schedule(make_case("assessment"), secretariat)
    token = _feed_token(client, contact_person)
    client.logout()  # the feed needs no session: the token is its authentication
    response = client.get(reverse("cases:calendar_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    uids = [str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")]
    assert uids == [mine.uid]
    assert other.uid not in response.content.decode()
    new_token = _feed_token(client, contact_person)
    client.logout()
    assert new_token != token
    assert client.get(reverse("cases:calendar_feed", args=[token])).status_code == 404
    assert client.get(reverse("cases:calendar_feed", args=[new_token])).status_code == 200
    assert client.get(reverse("cases:calendar_feed", args=[token[:-1] + "x"])).status_code == 404
    # Only a hash of the token is kept.
    assert new_token not in contact_person.calendar_feed.token_hash


def test_the_feed_of_a_user_who_left_is_gone(client, make_case, secretariat, contact_person):
    schedule(make_case("assessment"), secretariat, Invitee(user=contact_person))
    token = _feed_token(client, contact_person)
    contact_person.is_active = False
    contact_person.save(update_fields=["is_active"])
    assert client.get(reverse("cases:calendar_feed", args=[token])).status_code == 404


def test_the_calendar_lists_the_meetings_the_user_is_invited_to(client, make_case, secretariat, contact_person):
    mine = schedule(make_case("assessment"), secretariat, Invitee(user=contact_person))
    schedule(make_case("assessment"), secretariat)
    client.force_login(contact_person)
    page = client.get(reverse("cases:calendar")).content.decode()
    assert page.count('href="/cases/meetings/') == 1 and mine.get_absolute_url() in page


def test_only_coordinators_organise_sessions_and_yearly_meetings(client, secretariat, coordinator):
    client.force_login(secretariat)
    assert client.get(reverse("cases:new_session")).status_code == 403
    assert client.get(reverse("cases:new_yearly_meeting")).status_code == 403
    client.force_login(coordinator)
    assert client.get(reverse("cases:new_yearly_meeting")).status_code == 200


def test_a_coordinator_schedules_a_session_from_its_page(client, make_case, coordinator, contact_person):
    cases = [make_case("round_table") for _ in range(3)]
    client.force_login(coordinator)
    page = client.get(reverse("cases:new_session")).content.decode()
    assert all(case.reference in page for case in cases)
    data = schedule_post(title="Runder Tisch Oberwallis", unit=f"region:{cases[0].region_id}", externals="")
    for case in cases[:2]:
        data[f"case_{case.pk}"] = "on"
        data[f"users_{case.pk}"] = [str(contact_person.pk)]
        data[f"person_{case.pk}"] = "on"
    response = client.post(reverse("cases:new_session"), data)
    meeting = ScheduledMeeting.objects.get()
    assert response.status_code == 302
    assert [item.case_id for item in meeting.agenda.all()] == [cases[0].pk, cases[1].pk]
    assert Participant.objects.filter(meeting=meeting, user=contact_person).count() == 2


@pytest.mark.parametrize("n", [1, 4])
def test_the_meeting_page_runs_a_fixed_number_of_queries(
    client, make_case, coordinator, contact_person, case_manager, n, django_assert_num_queries
):
    cases = [make_case("round_table") for _ in range(n)]
    meeting = scheduling.schedule_session(
        by=coordinator,
        when=when(),
        title="Sitzung",
        region=cases[0].region,
        agenda=[scheduling.AgendaEntry(case, (Invitee(user=contact_person), Invitee(person=True))) for case in cases],
        invitees=[Invitee(user=case_manager)],
    )
    client.force_login(coordinator)
    client.get(meeting.get_absolute_url())  # the session's first request
    with django_assert_num_queries(11 - 2):  # -2: the session (cached_db) and My tasks (n) through the cache
        assert client.get(meeting.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 4])
def test_the_calendar_runs_a_fixed_number_of_queries(
    client, make_case, secretariat, contact_person, n, django_assert_num_queries
):
    for _ in range(n):
        schedule(make_case("assessment"), secretariat, Invitee(user=contact_person))
    client.force_login(contact_person)
    client.get(reverse("cases:calendar"))
    with django_assert_num_queries(7 - 2):  # -2: the session (cached_db) and My tasks (n) through the cache
        assert client.get(reverse("cases:calendar")).status_code == 200


@pytest.mark.parametrize("n", [1, 4])
def test_ticking_the_checklist_runs_a_fixed_number_of_queries(client, make_case, secretariat, n, django_assert_num_queries):
    meetings = [schedule(make_case("assessment"), secretariat) for _ in range(n)]
    meeting = meetings[-1]
    item = meeting.agenda.get()
    client.force_login(secretariat)
    client.get(reverse("cases:calendar"))
    with django_assert_num_queries(10 - 1):  # -1: the session through the cache (cached_db)
        client.post(reverse("cases:meeting_checklist", args=[meeting.pk, item.pk]), {"check": "documents"})


def test_a_round_table_waits_in_the_secretariats_tasks_until_it_is_scheduled(client, make_case, secretariat, coordinator):
    from cases import worklists

    case = make_case("round_table")
    items = list(worklists.round_tables_to_schedule(secretariat, timezone.localdate()))
    assert items == [case]
    assert worklists.round_table_row(case, None).url == reverse("cases:schedule_meeting", args=[case.pk])
    meeting = schedule(case, secretariat)
    assert list(worklists.round_tables_to_schedule(secretariat, timezone.localdate())) == []
    scheduling.cancel(meeting, by=secretariat)
    assert list(worklists.round_tables_to_schedule(secretariat, timezone.localdate())) == [case]
