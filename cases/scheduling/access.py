"""Who sees which scheduled meeting, and who organises it.

A meeting is seen by whoever sees its case (cases/flow/scope.py), by its organiser and its
invited users, and a session or yearly meeting also by the coordinators of its region or
theme; the officer and the secretariat see every meeting. ``my_meetings`` is a user's
calendar: the meetings they organise or are invited to, within what they see.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.flow import policy, scope
from cases.flow.policy import Decision
from cases.models import Case, ScheduledKind, ScheduledMeeting

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from roles.models import User

NOT_THE_ORGANISER = _("Only the coordinator who organises this meeting, or a coordinator of its region or theme, changes it.")


def _unit_of(meeting: ScheduledMeeting) -> tuple[str, int | None]:
    return scope.unit_of_case(meeting.region_id, meeting.theme_id)


def _units_q(user: User) -> Q:
    """The meetings without a case of the units the user coordinates."""
    found = [
        Q(case__isnull=True, theme_id=pk) if kind == "theme" else Q(case__isnull=True, region_id=pk, theme__isnull=True)
        for kind, pk in scope.coordinated_units(user)
    ]
    return reduce(or_, found) if found else Q(pk__isnull=True)


def visible_meetings(user: User) -> QuerySet:
    """The scheduled meetings ``user`` may see (a meeting outside: 404)."""
    meetings = ScheduledMeeting.objects.all()
    if not user.is_authenticated or not user.is_active:
        return meetings.none()
    if scope.sees_every_case.test(user):
        return meetings
    seen = (
        Q(organiser=user)
        | Q(pk__in=ScheduledMeeting.objects.filter(participants__user=user).values("pk"))
        | Q(case__in=Case.objects.visible_to(user).values("pk"))
        | _units_q(user)
    )
    return meetings.filter(seen)


def my_meetings(user: User) -> QuerySet:
    """The user's calendar: the meetings they organise or are invited to, that they see."""
    mine = Q(organiser=user) | Q(pk__in=ScheduledMeeting.objects.filter(participants__user=user).values("pk"))
    return visible_meetings(user).filter(mine)


def organiser_decision(user: User, meeting: ScheduledMeeting) -> Decision:
    """May ``user`` reschedule, cancel, mark as held or record replies of ``meeting`` now?
    A meeting about one case: the policy's ``schedule_meeting`` on its case (the secretariat
    for round tables and assessments, the coordinator for network meetings). A session or a
    yearly meeting: a coordinator (the policy's entry), who organises it or coordinates its
    region or theme."""
    if meeting.case_id:
        return policy.may(user, "schedule_meeting", meeting.case)
    name = "organise_session" if meeting.kind == ScheduledKind.SESSION else "organise_yearly_meeting"
    decision = policy.may(user, name)
    if not decision:
        return decision
    if meeting.organiser_id == user.pk or _unit_of(meeting) in scope.coordinated_units(user):
        return decision
    return Decision(False, (str(NOT_THE_ORGANISER),), forbidden=True)


def checklist_decision(user: User, case: Case) -> Decision:
    return policy.may(user, "tick_checklist", case)


def reply_decision(user: User, meeting: ScheduledMeeting) -> Decision:
    if meeting.case_id:
        return policy.may(user, "record_reply", meeting.case)
    return organiser_decision(user, meeting)
