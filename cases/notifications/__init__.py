"""Notifications: who is told of which event of a case, and what the bell shows.

The one table :data:`EVENTS` says, for each event users wait for, who is told (audiences
built on the predicates of cases/flow/scope.py) and the text, by the event's code. The
action that takes a step calls :func:`notify` inside its transaction (``_step`` and
``report_case`` in cases/actions.py): it writes one :class:`Notification` per recipient
(never the user who acted) with the event's code and parameters, and raises each recipient's
unread count (``User.unread_notifications``, read by the bell without a query). The text is
rendered from the code in the reader's language: on the page in the active language, in the
e-mail in the recipient's (cases/notifications/email.py, run by cases/tasks.py once the step
is committed).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.flow import scope
from cases.flow.grants import DEPUTY
from cases.models import Case, CaseGrant, EmailState, FundingRequest, Notification
from roles.models import Membership, NotificationDelivery, Role, User

if TYPE_CHECKING:
    from django.utils.functional import Promise

# Notifications per page of the notifications page.
PAGE_SIZE = 25


# --- who is told: audiences ------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Some users of a case: ``candidates`` narrows the users in SQL (a superset), ``test``
    (a predicate of cases/flow/scope.py) decides for each."""

    name: str
    candidates: Callable[[Case, datetime.date], Q]
    test: Callable[[User, Case], bool]


def _members(*roles: str, **units) -> Q:
    return Q(pk__in=Membership.objects.active().filter(role__in=roles, **units).values("user_id"))


def _deputies(case: Case, today: datetime.date) -> Q:
    grants = CaseGrant.objects.filter(content_object_id=case.pk, permission__codename=DEPUTY, valid_until__gte=today)
    return Q(pk=case.case_manager_id) | Q(pk__in=grants.values("user_id"))


CASE_MANAGER = Audience("case manager", _deputies, scope.manages.test)
COORDINATOR = Audience(
    "coordinator",
    lambda case, _today: Q(pk=case.coordinator_id) | _members(Role.REGIONAL_COORDINATOR, Role.THEMATIC_COORDINATOR),
    scope.is_responsible_coordinator,
)
SECRETARIAT = Audience("secretariat", lambda _case, _today: _members(Role.SECRETARIAT), scope.is_secretariat.test)
INVOLVED_CONTACTS = Audience(
    "contact persons",
    lambda case, _today: _members(Role.CONTACT_PERSON, region_id=case.region_id),
    scope.is_involved_contact.test,
)
OFFICER = Audience("cantonal officer", lambda _case, _today: _members(Role.OFFICER), scope.is_officer.test)
REPORTER = Audience(
    "reporter",
    lambda case, _today: Q(pk=case.reported_by_id),
    lambda user, case: case.reported_by_id is not None and case.reported_by_id == user.pk,
)

# Whoever asked the legal commission for funding on the case, while they still see it.
FUNDING_REQUESTERS = Audience(
    "funding requesters",
    lambda case, _today: Q(pk__in=FundingRequest.objects.filter(case=case).values("requester_id")),
    scope.sees_case.test,
)


# --- the events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """An event users wait for: its text (``%(reference)s``: the case's reference), who is
    told, and the page of the case where the recipient does what comes next."""

    text: Promise
    audiences: tuple[Audience, ...]
    url_name: str = "cases:detail"


# The step (a transition of cases/models/case.py, or "report") -> the event. The case
# manager named by the step is told of the designation (also when another one replaces
# them: ``actions.replace_case_manager``).
EVENTS: dict[str, Event] = {
    "report": Event(
        _("Case %(reference)s was reported: it involves you or waits for your decision."),
        (COORDINATOR, INVOLVED_CONTACTS),
    ),
    "designate_case_manager": Event(_("You were designated case manager of case %(reference)s."), (CASE_MANAGER,)),
    "submit_plan": Event(_("The action plan of case %(reference)s was submitted for your validation."), (COORDINATOR,)),
    "send_back_plan": Event(_("The action plan of case %(reference)s was sent back to you."), (CASE_MANAGER,), "cases:edit_plan"),
    "validate_plan": Event(_("The action plan of case %(reference)s was validated."), (CASE_MANAGER,)),
    "plan_assessment": Event(_("An assessment was requested for case %(reference)s: please organise it."), (SECRETARIAT,)),
    "ask_network": Event(_("A network meeting was asked for in case %(reference)s."), (COORDINATOR,)),
    "close": Event(_("Case %(reference)s was closed."), (CASE_MANAGER, COORDINATOR, REPORTER)),
    # The legal commission (cases/commission/): its decision, and a request the officer sent back.
    "funding_decided": Event(
        _("The legal commission decided on a funding request of case %(reference)s."), (FUNDING_REQUESTERS,)
    ),
    "funding_returned": Event(_("A funding request of case %(reference)s was sent back to you."), (FUNDING_REQUESTERS,)),
    # Disputes (cases/disputes/actions.py): escalated to the officer, who decides.
    "escalate_dispute": Event(
        _("A dispute on case %(reference)s was escalated to you: take a position or refer it to the legal commission."),
        (OFFICER,),
    ),
    "take_dispute_position": Event(
        _("The cantonal officer took a position in the dispute on case %(reference)s."), (COORDINATOR,)
    ),
    "refer_dispute": Event(
        _("The cantonal officer referred the dispute on case %(reference)s to the legal commission."), (COORDINATOR,)
    ),
    # At intake, someone outside the case's scope entered the details of its person: they
    # were told only that the person is known; the coordinator gets in touch with them.
    "known_person": Event(
        _("Someone reporting a case entered the details of the person of case %(reference)s: please get in touch with them."),
        (COORDINATOR,),
    ),
}


def recipients(case: Case, event: str, *, leaving_out: User | None = None) -> list[User]:
    """The active users ``event`` on ``case`` is for, by id, without ``leaving_out`` (who
    acted). Three queries (four when contact persons are asked: the case's institutions)."""
    audiences = EVENTS[event].audiences
    today = timezone.localdate()
    memberships = Membership.objects.active(today).select_related("region", "theme", "institution").order_by("role", "pk")
    candidates = list(
        User.objects.filter(reduce(or_, (audience.candidates(case, today) for audience in audiences)), is_active=True)
        .exclude(pk=leaving_out.pk if leaving_out is not None else None)
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="memberships_now"))
        .order_by("pk")
    )
    if not candidates:
        return []
    grants: dict[int, dict[int, set[str]]] = {user.pk: {} for user in candidates}
    rows = CaseGrant.objects.filter(user__in=[u.pk for u in candidates], valid_until__gte=today).values_list(
        "user_id", "content_object_id", "permission__codename"
    )
    for user_id, case_id, codename in rows:
        grants[user_id].setdefault(case_id, set()).add(codename)
    for user in candidates:  # what the predicates read, loaded above for all of them
        user.__dict__["active_memberships"] = user.memberships_now
        user.__dict__["_active_case_grants"] = {pk: frozenset(perms) for pk, perms in grants[user.pk].items()}
    return [user for user in candidates if any(audience.test(user, case) for audience in audiences)]


def notify(case: Case, event: str, *, by: User | None, email: bool = True) -> list[int]:
    """Tell the recipients of ``event`` on ``case`` (if it is one users wait for), inside
    the caller's transaction; return the ids of the notifications to e-mail at once.
    ``email=False``: none is e-mailed, ever (the demo data replaying the past)."""
    if event not in EVENTS:
        return []
    users = recipients(case, event, leaving_out=by)
    if not users:
        return []
    notifications = []
    for user in users:
        wants = email and bool(user.email) and user.notification_delivery != NotificationDelivery.NONE
        notifications.append(
            Notification(
                recipient=user,
                case=case,
                event=event,
                params={"reference": case.reference},
                actor=by,
                email_state=EmailState.PENDING if wants else EmailState.NONE,
            )
        )
    created = Notification.objects.bulk_create(notifications)
    User.objects.filter(pk__in=[user.pk for user in users]).update(unread_notifications=F("unread_notifications") + 1)
    at_once = {user.pk for user in users if user.notification_delivery == NotificationDelivery.AT_ONCE}
    return [n.pk for n in created if n.email_state == EmailState.PENDING and n.recipient_id in at_once]


# --- reading ---------------------------------------------------------------------------------


def text(notification: Notification) -> str:
    """The notification's text in the active language."""
    event = EVENTS.get(notification.event)
    if event is None:
        return notification.event
    return str(event.text) % {"reference": notification.params.get("reference", "")}


def url(notification: Notification) -> str:
    """The page of the case where the recipient acts on it."""
    event = EVENTS.get(notification.event)
    return reverse(event.url_name if event else "cases:detail", args=[notification.case_id])


def for_page(user: User):
    """The user's notifications, newest first, with who acted (one query per page)."""
    return Notification.objects.filter(recipient=user).select_related("actor").order_by("-created_at", "-pk")


def _recount(user: User) -> None:
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk=user.pk).update(unread_notifications=Coalesce(Subquery(unread), Value(0)))
    user.refresh_from_db(fields=["unread_notifications"])


def mark_read(user: User, notifications: list[Notification] | None = None) -> int:
    """Mark ``notifications`` of ``user`` read (all unread ones when None) and recount the
    bell; return how many were marked. Three queries."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        unread = unread.filter(pk__in=[n.pk for n in notifications if n.read_at is None])
    marked = unread.update(read_at=timezone.now())
    if marked or notifications is None:
        _recount(user)
    return marked
