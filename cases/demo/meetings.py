"""Demo meetings in the calendar (cases/scheduling), made by the real actions after the demo
cases: assessments asked for, scheduled (the checklist partly ticked, replies recorded) and
held; a round-table session with the cases waiting for a round table of one coordinator; a
yearly meeting of that coordinator with the region's contact persons. Their e-mails are held
back like every e-mail of the demo."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from cases.flow import scope
from cases.models import Case, CaseState, ChecklistItem, MeetingKind, Reply
from cases.scheduling import actions as scheduling
from cases.scheduling.actions import AgendaEntry, Invitee, When
from roles.models import Membership, Region, Role, Theme, User


def _when(days: int, hour: int, place: str) -> When:
    day = timezone.localdate() + datetime.timedelta(days=days)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
    return When(start, start + datetime.timedelta(hours=2), place)


def _contacts(case: Case) -> list[User]:
    """The contact persons of the institutions involved, in the case's region."""
    return [
        m.user
        for m in Membership.objects.active()
        .filter(role=Role.CONTACT_PERSON, region_id=case.region_id, institution__in=case.institutions.all(), user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ]


def seed_meetings() -> int:
    """Schedule the demo meetings; returns how many were scheduled."""
    secretariat = User.objects.get(username="secretariat")
    count = 0
    waiting = list(
        Case.objects.filter(state=CaseState.ASSESSMENT, meetings__kind=MeetingKind.ASSESSMENT, meetings__held_on__isnull=True)
        .select_related("coordinator", "region")
        .distinct()
        .order_by("pk")
    )
    # The first assessment asked for stays in the secretariat's queue; the others are
    # scheduled, the last one held yesterday.
    for number, case in enumerate(waiting[1:], start=1):
        held = number == len(waiting) - 1
        invitees = [Invitee(user=user) for user in _contacts(case)[:3]]
        if case.coordinator:
            invitees.append(Invitee(user=case.coordinator))
        invitees += [Invitee(name="Dr. med. Anna Imhof", email="anna.imhof@example.org", language="de"), Invitee(person=True)]
        meeting = scheduling.schedule_case_meeting(
            case, by=secretariat, when=_when(-1 if held else 3 + 4 * number, 9, "IIZ-Büro, Sitten"), invitees=invitees
        )
        item = meeting.agenda.get()
        for check in list(ChecklistItem)[: 3 if held else number % 3]:
            scheduling.tick_checklist(item, by=secretariat, check=check)
        for participant in meeting.participants.filter(user__isnull=False)[:2]:
            scheduling.record_reply(participant, by=secretariat, reply=Reply.ATTENDS)
        if held:
            scheduling.mark_held(meeting, by=secretariat)
        count += 1
    count += _session_and_yearly_meeting()
    return count


def _session_and_yearly_meeting() -> int:
    """A round-table session of three cases: of the unit (region or theme) with the most
    cases waiting for a round table, topped up by its coordinator deciding a round table on
    cases just reported (at most two: three stay reported); and the yearly meeting of that
    coordinator with the region's contact persons."""
    from cases import actions

    def unit_of(case):
        return scope.unit_of_case(case.region_id, case.theme_id)

    round_tables = list(Case.objects.filter(state=CaseState.ROUND_TABLE).order_by("pk"))
    reported = list(Case.objects.filter(state=CaseState.REPORTED).order_by("pk"))
    per_unit = Counter(unit_of(case) for case in round_tables)
    spare = Counter(unit_of(case) for case in reported)
    units = {*per_unit, *spare}
    if not units:
        return 0
    unit = max(units, key=lambda u: (min(3, per_unit[u] + min(2, spare[u], len(reported) - 3)), per_unit[u], str(u)))
    membership = (
        Membership.objects.active()
        .filter(scope.unit_memberships_q(unit))
        .select_related("user")
        .order_by("starts_on", "pk")
        .first()
    )
    if membership is None:
        return 0
    coordinator = membership.user
    cases = [case for case in round_tables if unit_of(case) == unit][:3]
    for case in [case for case in reported if unit_of(case) == unit][: min(2, 3 - len(cases), len(reported) - 3)]:
        actions.plan_meeting(case, by=coordinator, kind=MeetingKind.ROUND_TABLE)
        cases.append(case)
    where = {"theme": Theme.objects.get(pk=unit[1])} if unit[0] == "theme" else {"region": Region.objects.get(pk=unit[1])}
    scheduling.schedule_session(
        by=coordinator,
        when=_when(6, 14, "Sitzungszimmer IIZ"),
        title="Runder Tisch",
        agenda=[AgendaEntry(case, (*[Invitee(user=u) for u in _contacts(case)[:2]], Invitee(person=True))) for case in cases],
        **where,
    )
    contacts = (
        Membership.objects.active()
        .filter(role=Role.CONTACT_PERSON, user__is_active=True, **({"region": where["region"]} if "region" in where else {}))
        .select_related("user")
        .order_by("user_id")
    )
    scheduling.schedule_yearly_meeting(
        by=coordinator,
        when=_when(20, 10, "Sitzungszimmer IIZ"),
        title="Jahressitzung",
        invitees=[Invitee(user=m.user) for m in contacts],
        **where,
    )
    return 2
