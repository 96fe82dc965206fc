"""The only writers of the scheduled meetings: each action is atomic (``@action``), asks the
policy (through cases/scheduling/access.py), writes the journal of each case on the
agenda, and queues the invitations once committed (cases/tasks.py: ``send_invitations``).

- ``schedule_case_meeting``: the round table, assessment or network meeting a case waits
  for (its record, cases.models.Meeting, created by the coordinator's step); the secretariat
  (the coordinator for a network meeting) sets the date, place or video link and invites.
- ``schedule_session``: a coordinator's round-table session, several cases on its agenda,
  participants per case; ``schedule_yearly_meeting``: with the region's contact persons.
- ``reschedule`` (SEQUENCE + 1, new invitations), ``cancel`` (SEQUENCE + 1, METHOD:CANCEL),
  ``mark_held`` (with the minutes of a yearly meeting), ``record_reply``, ``tick_checklist``.
- ``new_feed_token``: a user's private calendar feed address (only its hash is kept).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import tasks
from cases.acting import action
from cases.actions import _journal
from cases.audit import events
from cases.flow import policy, scope
from cases.flow.policy import ActionRefused
from cases.flow.states import CaseState
from cases.models import (
    AgendaItem,
    CalendarFeed,
    Case,
    ChecklistItem,
    JournalKind,
    Meeting,
    MeetingKind,
    MeetingState,
    Participant,
    Reply,
    ScheduledKind,
    ScheduledMeeting,
)
from cases.notices import sending
from cases.scheduling.access import checklist_decision, organiser_decision, reply_decision
from cases.scheduling.invitations import hash_token
from roles.models import Region, Theme, User


@dataclass(frozen=True)
class Invitee:
    """Someone to invite: a platform user, the person of the case (``person``), or an
    external participant (name, e-mail, language)."""

    user: User | None = None
    person: bool = False
    name: str = ""
    email: str = ""
    language: str = ""


@dataclass(frozen=True)
class When:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str = ""
    video_link: str = ""


def _check_when(when: When) -> None:
    problems: dict[str, list[str]] = {}
    if when.ends_at <= when.starts_at:
        problems["ends_at"] = [_("The meeting must end after it starts.")]
    if not when.place.strip() and not when.video_link.strip():
        problems["place"] = [_("Give a place or a video link.")]
    if problems:
        raise ActionRefused.on_fields(problems)


def _invite(meeting: ScheduledMeeting, invitees: Iterable[Invitee], item: AgendaItem | None = None) -> None:
    seen: set = set()
    for invitee in invitees:
        key = ("user", invitee.user.pk) if invitee.user else ("person",) if invitee.person else ("email", invitee.email.lower())
        if key in seen:
            continue
        seen.add(key)
        if invitee.person and item is None:
            raise ActionRefused([_("Only the person of a case on the agenda can be invited as the person.")])
        if not invitee.user and not invitee.person and not (invitee.name.strip() and invitee.email.strip()):
            raise ActionRefused([_("An external participant needs a name and an e-mail address.")])
        participant = Participant(
            meeting=meeting,
            agenda_item=item,
            user=invitee.user,
            is_person=invitee.person,
            name=invitee.name.strip(),
            email=invitee.email.strip(),
            language=invitee.language,
        )
        participant.full_clean(exclude=["meeting", "agenda_item", "user"])
        participant.save()


def _send(meeting: ScheduledMeeting) -> None:
    """Queue the invitations once committed (none while the demo replays the past)."""
    if sending():
        meeting_id = meeting.pk
        transaction.on_commit(lambda: tasks.send_invitations.delay(meeting_id), robust=True)


def _journal_all(meeting: ScheduledMeeting, by: User, event: str, **params) -> None:
    """The event in the journal of each case on the agenda."""
    params = {"meeting": meeting.kind, "date": meeting.starts_at.isoformat(), **params}
    for item in meeting.agenda.select_related("case"):
        _journal(item.case, by, JournalKind.RECORD, event=event, params=params)


def _pending_record(case: Case) -> Meeting:
    """The record the case waits for: its last round table, assessment or network meeting,
    not held yet and not on a meeting still scheduled."""
    case.refresh_records()
    record = case.records.last_meeting
    if record is not None:  # locked: two schedulings of the same record wait for each other
        Meeting.objects.select_for_update().filter(pk=record.pk).first()
    if record is None or record.held_on is not None:
        raise ActionRefused([_("This case waits for no round table, assessment or network meeting.")])
    if AgendaItem.objects.filter(record=record, meeting__state=MeetingState.SCHEDULED).exists():
        raise ActionRefused([_("This meeting is already scheduled: reschedule it from its page.")])
    return record


def _save(meeting: ScheduledMeeting) -> ScheduledMeeting:
    meeting.full_clean(exclude=["organiser", "case", "region", "theme"])
    meeting.save()
    return meeting


@action
def schedule_case_meeting(case: Case, *, by: User, when: When, invitees: Iterable[Invitee]) -> ScheduledMeeting:
    """Schedule the round table, assessment or network meeting ``case`` waits for, and invite."""
    policy.require(by, "schedule_meeting", case)
    record = _pending_record(case)
    _check_when(when)
    meeting = _save(
        ScheduledMeeting(
            kind={MeetingKind.ROUND_TABLE: ScheduledKind.ROUND_TABLE, MeetingKind.ASSESSMENT: ScheduledKind.ASSESSMENT}.get(
                record.kind, ScheduledKind.NETWORK
            ),
            case=case,
            organiser=by,
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            place=when.place.strip(),
            video_link=when.video_link.strip(),
        )
    )
    item = AgendaItem.objects.create(meeting=meeting, case=case, record=record)
    people = list(invitees)
    _invite(meeting, [i for i in people if not i.person], None)
    _invite(meeting, [i for i in people if i.person], item)
    # The record keeps the date and place it is held at (the case page shows them).
    Meeting.objects.filter(pk=record.pk).update(scheduled_for=when.starts_at, place=(when.place or when.video_link)[:200])
    _journal_all(meeting, by, events.MEETING_SCHEDULED)
    _send(meeting)
    return meeting


@dataclass(frozen=True)
class AgendaEntry:
    """A case on a session's agenda and who is invited for it."""

    case: Case
    invitees: tuple[Invitee, ...] = ()


@action
def schedule_session(
    *,
    by: User,
    when: When,
    title: str,
    agenda: Iterable[AgendaEntry],
    invitees: Iterable[Invitee] = (),
    region: Region | None = None,
    theme: Theme | None = None,
) -> ScheduledMeeting:
    """A coordinator's regional or thematic round-table session: each case on the agenda is
    one the coordinator decided a round table for (state ``round_table``), with the people
    invited for it; ``invitees`` come for the whole session."""
    policy.require(by, "organise_session")
    entries = list(agenda)
    if not entries:
        raise ActionRefused([_("Put at least one case on the agenda.")])
    _check_when(when)
    if (theme is None) == (region is None):
        raise ActionRefused([_("Choose the region or the theme of the session.")])
    if scope.unit_of_case(region.pk if region else None, theme.pk if theme else None) not in scope.coordinated_units(by):
        raise ActionRefused([_("You coordinate neither this region nor this theme.")], forbidden=True)
    meeting = _save(
        ScheduledMeeting(
            kind=ScheduledKind.SESSION,
            organiser=by,
            region=region,
            theme=theme,
            title=title.strip(),
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            place=when.place.strip(),
            video_link=when.video_link.strip(),
        )
    )
    _invite(meeting, list(invitees))
    for position, entry in enumerate(entries):
        case = entry.case
        if not scope.coordinates.test(by, case) or case.state != CaseState.ROUND_TABLE:
            raise ActionRefused([_("Case %(reference)s waits for no round table of yours.") % {"reference": case.reference}])
        record = _pending_record(case)
        item = AgendaItem.objects.create(meeting=meeting, case=case, record=record, position=position)
        _invite(meeting, entry.invitees, item)
        Meeting.objects.filter(pk=record.pk).update(scheduled_for=when.starts_at, place=(when.place or when.video_link)[:200])
    _journal_all(meeting, by, events.MEETING_SCHEDULED)
    _send(meeting)
    return meeting


@action
def schedule_yearly_meeting(
    *,
    by: User,
    when: When,
    invitees: Iterable[Invitee],
    title: str = "",
    region: Region | None = None,
    theme: Theme | None = None,
) -> ScheduledMeeting:
    """A coordinator's yearly meeting with the contact persons of the region (or theme):
    no case, only its participants and, once held, its minutes."""
    policy.require(by, "organise_yearly_meeting")
    _check_when(when)
    if (theme is None) == (region is None):
        raise ActionRefused([_("Choose the region or the theme of the meeting.")])
    if scope.unit_of_case(region.pk if region else None, theme.pk if theme else None) not in scope.coordinated_units(by):
        raise ActionRefused([_("You coordinate neither this region nor this theme.")], forbidden=True)
    people = list(invitees)
    if any(i.person for i in people):
        raise ActionRefused([_("Only the person of a case on the agenda can be invited as the person.")])
    meeting = _save(
        ScheduledMeeting(
            kind=ScheduledKind.YEARLY,
            organiser=by,
            region=region,
            theme=theme,
            title=title.strip(),
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            place=when.place.strip(),
            video_link=when.video_link.strip(),
        )
    )
    _invite(meeting, people)
    _send(meeting)
    return meeting


def _require_organiser(by: User, meeting: ScheduledMeeting) -> None:
    decision = organiser_decision(by, meeting)
    if not decision:
        raise decision.refusal()
    if not meeting.is_open:
        raise ActionRefused([_("This meeting is no longer scheduled: it was held or cancelled.")])


def _locked(meeting: ScheduledMeeting) -> ScheduledMeeting:
    """The meeting's row, locked for the change (the sequence is raised once per change)."""
    # ``of=("self",)``: PostgreSQL locks no row of a nullable outer join (the case).
    return ScheduledMeeting.objects.select_for_update(of=("self",)).select_related("case", "organiser").get(pk=meeting.pk)


@action
def reschedule(meeting: ScheduledMeeting, *, by: User, when: When) -> ScheduledMeeting:
    """A new date, time or place: SEQUENCE + 1 and new invitations (the same UID)."""
    meeting = _locked(meeting)  # checked on the row as it is now: one change at a time
    _require_organiser(by, meeting)
    _check_when(when)
    meeting.starts_at, meeting.ends_at = when.starts_at, when.ends_at
    meeting.place, meeting.video_link = when.place.strip(), when.video_link.strip()
    meeting.sequence += 1
    _save(meeting)
    records = meeting.agenda.exclude(record=None).values("record_id")
    Meeting.objects.filter(pk__in=records).update(scheduled_for=when.starts_at, place=(when.place or when.video_link)[:200])
    _journal_all(meeting, by, events.MEETING_RESCHEDULED)
    _send(meeting)
    return meeting


@action
def cancel(meeting: ScheduledMeeting, *, by: User, reason: str = "") -> ScheduledMeeting:
    """Cancel: SEQUENCE + 1 and METHOD:CANCEL to everyone invited. The case still waits for
    its meeting, which can be scheduled again."""
    meeting = _locked(meeting)
    _require_organiser(by, meeting)
    meeting.state = MeetingState.CANCELLED
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    _save(meeting)
    records = meeting.agenda.exclude(record=None).values("record_id")
    Meeting.objects.filter(pk__in=records, held_on__isnull=True).update(scheduled_for=None)
    _journal_all(meeting, by, events.MEETING_CANCELLED)
    _send(meeting)
    return meeting


@action
def mark_held(meeting: ScheduledMeeting, *, by: User, minutes: str = "") -> ScheduledMeeting:
    """The meeting took place. A yearly meeting keeps its minutes here; the result of a case
    meeting is recorded on its record (the round table or assessment form)."""
    meeting = _locked(meeting)
    _require_organiser(by, meeting)
    if meeting.kind == ScheduledKind.YEARLY and not minutes.strip():
        raise ActionRefused.on_fields({"minutes": [_("Write the minutes of the yearly meeting.")]})
    if meeting.starts_at > timezone.now():
        raise ActionRefused([_("A meeting is marked as held once it has started.")])
    meeting.state = MeetingState.HELD
    meeting.minutes = minutes.strip()
    _save(meeting)
    _journal_all(meeting, by, events.MEETING_HELD)
    return meeting


@action
def record_reply(participant: Participant, *, by: User, reply: str) -> Participant:
    """Record that an invited participant attends or is excused, by whom and when."""
    meeting = participant.meeting
    decision = reply_decision(by, meeting)
    if not decision:
        raise decision.refusal()
    if reply not in (Reply.ATTENDS, Reply.EXCUSED, Reply.NONE):
        raise ActionRefused([_("Choose attends or excused.")])
    participant.reply, participant.reply_by, participant.reply_at = reply, by, timezone.now()
    participant.save(update_fields=["reply", "reply_by", "reply_at"])
    if meeting.case_id or participant.agenda_item_id:
        case = meeting.case if meeting.case_id else participant.agenda_item.case
        _journal(case, by, JournalKind.RECORD, event=events.REPLY_RECORDED, params={"name": str(participant), "reply": reply})
    return participant


@action
def tick_checklist(item: AgendaItem, *, by: User, check: str) -> AgendaItem:
    """Tick one item of the checklist of a case before its meeting (who and when)."""
    decision = checklist_decision(by, item.case)
    if not decision:
        raise decision.refusal()
    if check not in ChecklistItem.values:
        raise ActionRefused([_("This is not an item of the checklist.")])
    if item.meeting.state != MeetingState.SCHEDULED:
        raise ActionRefused([_("This meeting is no longer scheduled: it was held or cancelled.")])
    if getattr(item, f"{check}_at") is None:
        setattr(item, f"{check}_by", by)
        setattr(item, f"{check}_at", timezone.now())
        item.save(update_fields=[f"{check}_by", f"{check}_at"])
        _journal(item.case, by, JournalKind.RECORD, event=events.CHECKLIST_TICKED, params={"item": check})
    return item


@action
def new_feed_token(*, by: User) -> str:
    """A new secret address of ``by``'s calendar feed (the old one stops working); returns
    the token, shown once: only its hash is kept."""
    policy.require(by, "view_calendar")
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=by, defaults={"token_hash": hash_token(token)})
    return token
