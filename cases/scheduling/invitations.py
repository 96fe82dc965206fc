"""The invitations of a scheduled meeting: its iCalendar object, the e-mails, the person's
letter and the private calendar feed.

The .ics is built with ``icalendar`` (RFC 5545): ``METHOD:REQUEST`` while the meeting is
scheduled, ``METHOD:CANCEL`` (and ``STATUS:CANCELLED``) once cancelled, the meeting's stable
``UID`` and its ``SEQUENCE``, raised by each change sent out again, so that a calendar
replaces the event it holds. Times are in UTC. The event names no person: the kind of
meeting, the case's reference, the place and the video link (a calendar is often kept by a
service outside the canton's network).

``send`` e-mails each invited participant with an address once per sequence (a conditional
UPDATE wins each one for one sender), in the participant's language, the .ics attached;
cases/tasks.py runs it once the action is committed. The person of a case gets a letter in
their correspondence language instead (``person_letter``), printed by the secretariat.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from smtplib import SMTPException

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress, vText

from cases import mail
from cases.models import CalendarFeed, MeetingState, Participant, ScheduledMeeting

logger = logging.getLogger(__name__)

PRODID = "-//Kanton Wallis IIZ//Case management//DE"


def meeting_url(meeting: ScheduledMeeting) -> str:
    return settings.IIZ_BASE_URL.rstrip("/") + meeting.get_absolute_url()


def summary(meeting: ScheduledMeeting) -> str:
    """The event's title in the active language: the kind, and the case's reference or the
    meeting's title (never the person's name)."""
    what = meeting.title or (meeting.case.reference if meeting.case_id else "")
    return f"IIZ: {meeting.get_kind_display()}" + (f" – {what}" if what else "")


def _event(meeting: ScheduledMeeting, *, attendees: list[Participant] = ()) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
    event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
    event.add("summary", summary(meeting))
    location = ", ".join(part for part in (meeting.place, meeting.video_link) if part)
    if location:
        event.add("location", location)
    if meeting.video_link:
        event.add("url", meeting.video_link)
    event.add("description", vText(meeting_url(meeting)))
    event.add("status", "CANCELLED" if meeting.state == MeetingState.CANCELLED else "CONFIRMED")
    organiser = vCalAddress(f"mailto:{meeting.organiser.email or settings.DEFAULT_FROM_EMAIL}")
    organiser.params["CN"] = vText(str(meeting.organiser))
    event.add("organizer", organiser)
    for participant in attendees:
        if participant.address:
            address = vCalAddress(f"mailto:{participant.address}")
            address.params["CN"] = vText(str(participant))
            address.params["ROLE"] = vText("REQ-PARTICIPANT")
            event.add("attendee", address, encode=0)
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def method_of(meeting: ScheduledMeeting) -> str:
    return "CANCEL" if meeting.state == MeetingState.CANCELLED else "REQUEST"


def ics(meeting: ScheduledMeeting, participant: Participant) -> bytes:
    """The .ics attached to ``participant``'s invitation (in the active language)."""
    calendar = _calendar(method_of(meeting))
    calendar.add_component(_event(meeting, attendees=[participant]))
    return calendar.to_ical()


def hash_token(token: str) -> str:
    """What is kept of a feed's secret token (SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_user(token: str):
    """The active user whose feed ``token`` opens, or None."""
    if not token or len(token) > 100:
        return None
    feed_row = CalendarFeed.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if feed_row is None or not feed_row.user.is_active:
        return None
    return feed_row.user


def feed(meetings) -> bytes:
    """A user's calendar feed: one event per meeting (the cancelled ones marked so)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", "IIZ")
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return calendar.to_ical()


# --- the e-mails -------------------------------------------------------------------------------


def _participants(meeting_id: int):
    return Participant.objects.filter(meeting_id=meeting_id, is_person=False).select_related(
        "user", "meeting__case", "meeting__organiser", "agenda_item__case"
    )


def build(participant: Participant):
    """The e-mail to ``participant`` in their language, the .ics attached."""
    meeting = participant.meeting
    with translation.override(participant.reading_language):
        context = {"meeting": meeting, "participant": participant, "url": meeting_url(meeting), "summary": summary(meeting)}
        cancelled = meeting.state == MeetingState.CANCELLED
        context["cancelled"] = cancelled
        context["changed"] = meeting.sequence > 0
        subject = mail.render_subject("emails/meeting_invitation_subject.txt", context)
        body = mail.render_text("emails/meeting_invitation.txt", context)
        attachment = ics(meeting, participant)
    email = mail.message_to(participant.address, subject, body, user=participant.user)
    method = method_of(meeting)
    email.attach("invitation.ics", attachment, f"text/calendar; method={method}; charset=utf-8")
    return email


def send(meeting_id: int) -> list[int]:
    """Send the meeting's current sequence to each participant who has not had it; return
    the ids of those that failed (tried again by the task)."""
    meeting = ScheduledMeeting.objects.filter(pk=meeting_id).values_list("sequence", flat=True).first()
    if meeting is None:
        return []
    sequence = meeting
    failed = []
    for participant in _participants(meeting_id).filter(sent_sequence__lt=sequence):
        if not participant.address:
            continue
        # Claim it: one sender only, each sequence once.
        won = Participant.objects.filter(pk=participant.pk, sent_sequence__lt=sequence).update(sent_sequence=sequence)
        if not won:
            continue
        try:
            build(participant).send()
        except (OSError, SMTPException):
            logger.exception("Invitation %s to participant %s failed", meeting_id, participant.pk)
            Participant.objects.filter(pk=participant.pk).update(sent_sequence=participant.sent_sequence)
            failed.append(participant.pk)
    return failed
