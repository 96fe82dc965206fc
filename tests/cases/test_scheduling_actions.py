"""Scheduled meetings (cases/scheduling): the actions, the .ics parsed back with icalendar,
the invitation e-mails in each participant's language and the person's letter."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from cases.documents import rendering
from cases.flow.policy import ActionRefused
from cases.models import JournalEntry, MeetingState, Participant, Reply, ScheduledKind
from cases.scheduling import actions as scheduling
from cases.scheduling import invitations
from cases.scheduling.actions import AgendaEntry, Invitee, When
from tests.factories import UserFactory
from tests.helpers import person, text

pytestmark = pytest.mark.django_db


def when(days=7, hour=9, place="IIZ-Büro, Sitten", video=""):
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + datetime.timedelta(days=days)
    start = start.replace(hour=hour)
    return When(starts_at=start, ends_at=start + datetime.timedelta(hours=2), place=place, video_link=video)


def parsed(raw: bytes):
    calendar = Calendar.from_ical(raw)
    return calendar, calendar.walk("VEVENT")[0]


def attachment(message):
    name, content, mimetype = message.attachments[0]
    assert name == "invitation.ics"
    return content if isinstance(content, bytes) else content.encode(), mimetype


@pytest.fixture
def doctor_fr(db):
    return UserFactory(username="dr-fr", language="fr", email="dr-fr@example.org")


@pytest.fixture
def assessment_case(make_case):
    return make_case("assessment", person=person("fr"))


def schedule(case, by, *invitees, **kwargs):
    return scheduling.schedule_case_meeting(case, by=by, when=kwargs.get("when") or when(), invitees=list(invitees))


def test_the_secretariat_schedules_an_assessment_and_everyone_is_invited_in_their_language(
    assessment_case, secretariat, coordinator, doctor_fr, task_runs_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(
            assessment_case,
            secretariat,
            Invitee(user=coordinator),
            Invitee(user=doctor_fr),
            Invitee(name="Dr. Anna Muster", email="anna@praxis.ch", language="de"),
            Invitee(person=True),
        )
    assert meeting.kind == ScheduledKind.ASSESSMENT and meeting.sequence == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, "dr-fr@example.org", "anna@praxis.ch"])
    by_address = {m.to[0]: m for m in mail.outbox}
    german, french = by_address["anna@praxis.ch"], by_address["dr-fr@example.org"]
    assert german.subject.startswith("Einladung: IIZ: Assessment")
    assert "Sie sind zu einer Sitzung eingeladen" in german.body and "IIZ-Büro, Sitten" in german.body
    assert french.subject.startswith("Invitation : CII : Assessment") or french.subject.startswith("Invitation")
    assert "Vous êtes invité" in french.body
    assert assessment_case.reference in french.body
    for message in mail.outbox:
        raw, mimetype = attachment(message)
        assert mimetype.startswith("text/calendar; method=REQUEST")
        calendar, event = parsed(raw)
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == meeting.uid and event["SEQUENCE"] == 0
        assert event.decoded("DTSTART") == meeting.starts_at
        assert "IIZ-Büro, Sitten" in str(event["LOCATION"])
        # No person's name in a calendar: the reference only.
        assert assessment_case.person.last_name not in raw.decode()
    entry = JournalEntry.objects.filter(case=assessment_case, event="meeting_scheduled").get()
    assert entry.author == secretariat


def test_rescheduling_raises_the_sequence_and_keeps_the_uid_and_cancelling_sends_cancel(
    assessment_case, secretariat, doctor_fr, task_runs_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = schedule(assessment_case, secretariat, Invitee(user=doctor_fr))
    uid = meeting.uid
    with django_capture_on_commit_callbacks(execute=True):
        meeting = scheduling.reschedule(meeting, by=secretariat, when=when(days=9, place="Brig"))
    with django_capture_on_commit_callbacks(execute=True):
        meeting = scheduling.cancel(meeting, by=secretariat, reason="Krankheit")
    assert len(mail.outbox) == 3
    events = [parsed(attachment(m)[0]) for m in mail.outbox]
    assert [str(e["UID"]) for _c, e in events] == [uid, uid, uid]
    assert [e["SEQUENCE"] for _c, e in events] == [0, 1, 2]
    assert [c["METHOD"] for c, _e in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert str(events[2][1]["STATUS"]) == "CANCELLED"
    assert "Brig" in str(events[1][1]["LOCATION"])
    assert attachment(mail.outbox[2])[1].startswith("text/calendar; method=CANCEL")
    assert mail.outbox[1].subject.startswith("Modifié") or "modifi" in mail.outbox[1].subject.lower()
    assert "annulé" in mail.outbox[2].body
    assert meeting.state == MeetingState.CANCELLED
    codes = list(JournalEntry.objects.filter(case=assessment_case).exclude(event="").values_list("event", flat=True))
    assert {"meeting_scheduled", "meeting_rescheduled", "meeting_cancelled"} <= set(codes)


def test_each_version_goes_to_each_participant_once(assessment_case, secretariat, doctor_fr):
    meeting = schedule(assessment_case, secretariat, Invitee(user=doctor_fr))
    assert invitations.send(meeting.pk) == []
    assert invitations.send(meeting.pk) == []
    assert len(mail.outbox) == 1


def test_a_cancelled_meeting_can_be_scheduled_again_but_not_twice_at_once(assessment_case, secretariat):
    meeting = schedule(assessment_case, secretariat)
    with pytest.raises(ActionRefused, match="bereits angesetzt"):
        schedule(assessment_case, secretariat)
    scheduling.cancel(meeting, by=secretariat)
    again = schedule(assessment_case, secretariat)
    assert again.uid != meeting.uid


def test_a_meeting_needs_a_place_or_a_link_and_an_end_after_its_start(assessment_case, secretariat):
    bad = when(place="")
    with pytest.raises(ActionRefused) as refusal:
        schedule(assessment_case, secretariat, when=bad)
    assert "place" in refusal.value.fields
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ActionRefused) as refusal:
        schedule(assessment_case, secretariat, when=When(starts_at=start, ends_at=start, place="Sitten"))
    assert "ends_at" in refusal.value.fields


@pytest.mark.parametrize("who", ["coordinator", "contact_person", "frontline", "officer"])
def test_only_the_secretariat_schedules_an_assessment(assessment_case, request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ActionRefused) as refusal:
        schedule(assessment_case, user)
    assert refusal.value.forbidden


def test_the_coordinator_schedules_a_network_meeting_and_the_secretariat_may_not(make_case, coordinator, secretariat):
    case = make_case("network")
    with pytest.raises(ActionRefused):
        schedule(case, secretariat)
    meeting = schedule(case, coordinator)
    assert meeting.kind == ScheduledKind.NETWORK


def test_replies_and_the_checklist_are_recorded_by_whom_and_when(assessment_case, secretariat, doctor_fr, coordinator):
    meeting = schedule(assessment_case, secretariat, Invitee(user=doctor_fr))
    participant = meeting.participants.get()
    scheduling.record_reply(participant, by=secretariat, reply=Reply.EXCUSED)
    participant.refresh_from_db()
    assert participant.reply == Reply.EXCUSED and participant.reply_by == secretariat and participant.reply_at
    item = meeting.agenda.get()
    assert not item.checklist_done
    for check in ("person_data", "power_of_attorney"):
        scheduling.tick_checklist(item, by=secretariat, check=check)
    scheduling.tick_checklist(item, by=coordinator, check="documents")
    item.refresh_from_db()
    assert item.checklist_done and item.documents_by == coordinator and item.person_data_by == secretariat
    assert JournalEntry.objects.filter(case=assessment_case, event="checklist_ticked").count() == 3
    with pytest.raises(ActionRefused):
        scheduling.tick_checklist(item, by=doctor_fr, check="documents")


def test_the_person_gets_a_letter_in_french(assessment_case, secretariat):
    meeting = schedule(assessment_case, secretariat, Invitee(person=True))
    item = meeting.agenda.get()
    letter = text(rendering.render_meeting_letter(meeting, item))
    assert "Invitation à une séance" in letter or "Invitation" in letter
    assert "Madame," in letter and "Rue du Rhône 12" in letter
    assert "IIZ-Büro, Sitten" in letter
    assert assessment_case.reference in letter


def test_the_person_gets_a_letter_in_german_and_a_cancellation(make_case, secretariat):
    case = make_case("assessment", person=person("de"))
    meeting = schedule(case, secretariat, Invitee(person=True))
    letter = text(rendering.render_meeting_letter(meeting, meeting.agenda.get()))
    assert "Einladung zu einer Sitzung" in letter and "Sehr geehrter Herr Zürcher" in letter
    meeting = scheduling.cancel(meeting, by=secretariat)
    cancelled = text(rendering.render_meeting_letter(meeting, meeting.agenda.get()))
    assert "abgesagt" in cancelled


def test_a_coordinator_schedules_a_session_with_three_cases(make_case, coordinator, contact_person, case_manager):
    cases = [make_case("round_table") for _ in range(3)]
    meeting = scheduling.schedule_session(
        by=coordinator,
        when=when(),
        title="Runder Tisch Oberwallis",
        region=cases[0].region,
        agenda=[AgendaEntry(case, (Invitee(user=contact_person), Invitee(person=True))) for case in cases],
        invitees=[Invitee(user=case_manager)],
    )
    assert meeting.case is None and meeting.kind == ScheduledKind.SESSION
    assert meeting.agenda.count() == 3
    assert Participant.objects.filter(meeting=meeting, is_person=True).count() == 3
    for case in cases:
        assert JournalEntry.objects.filter(case=case, event="meeting_scheduled").exists()
        assert case.meetings.get().scheduled_for == meeting.starts_at


def test_a_session_takes_only_the_coordinators_cases_waiting_for_a_round_table(make_case, coordinator, thematic_coordinator):
    case = make_case("assessment")
    with pytest.raises(ActionRefused, match="wartet auf keinen Runden Tisch"):
        scheduling.schedule_session(by=coordinator, when=when(), title="", region=case.region, agenda=[AgendaEntry(case)])
    round_table = make_case("round_table")
    with pytest.raises(ActionRefused):
        scheduling.schedule_session(
            by=thematic_coordinator, when=when(), title="", region=case.region, agenda=[AgendaEntry(round_table)]
        )


def test_the_yearly_meeting_has_no_case_and_keeps_its_minutes(coordinator, contact_person, secretariat):
    from tests.factories import region

    meeting = scheduling.schedule_yearly_meeting(
        by=coordinator, when=when(days=-1), region=region("ow"), invitees=[Invitee(user=contact_person)]
    )
    assert meeting.case is None and meeting.agenda.count() == 0
    with pytest.raises(ActionRefused):
        scheduling.mark_held(meeting, by=coordinator)
    with pytest.raises(ActionRefused) as refusal:
        scheduling.mark_held(meeting, by=secretariat, minutes="x")
    assert refusal.value.forbidden
    held = scheduling.mark_held(meeting, by=coordinator, minutes="Jahresrückblick, Zahlen 2026.")
    assert held.state == MeetingState.HELD and held.minutes.startswith("Jahresrückblick")
