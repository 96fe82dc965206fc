"""Reminders of the CII101 deadlines: ``sweep`` creates them, ``send_pending`` e-mails them.

Both work from the database state alone, so a late or repeated run (after a day without a
worker, or two workers at once) catches up and never duplicates:

- ``sweep(today)`` narrows the cases in SQL (``reminder_candidates_q``) and walks the
  candidates in chunks of ``CHUNK`` cases, each loaded with a fixed number of queries (the
  cases, their reviews, powers of attorney, plans and existing reminders), re-running the
  rules of cases/deadlines.py on them. For each deadline whose latest reminder date has
  come it inserts the missing reminder of each recipient with
  ``bulk_create(ignore_conflicts=True)``; the unique constraint refuses any that another
  run inserted meanwhile. Unsent reminders whose deadline has
  been met in the meantime are marked resolved and never sent.
- ``send_pending(now)`` sends each unsent reminder in its recipient's language and marks it
  sent; a failure is counted and retried on a later run after ``2**attempts`` minutes.

Stages: the power of attorney is reminded 30 and 7 days before it ends, on its last day and
once it has expired; the other deadlines on the due date and once overdue. A run that
comes late creates only the stage reached, not the ones it missed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cases import deadlines
from cases.acting import action
from cases.models import ActionPlan, Case, CaseState, PowerOfAttorney, Reminder, ReminderKind
from cases.models.case import OPEN_STATES
from cases.permissions import can_coordinate
from roles.models import Membership, Role

if TYPE_CHECKING:
    from collections.abc import Iterator

    from roles.models import User

CHUNK = 2000

CASE_MANAGER_RULES = (deadlines.FIRST_MEETING, deadlines.REVIEW_WITH_PERSON, deadlines.POWER_OF_ATTORNEY)
COORDINATOR_RULES = (deadlines.PLAN_VALIDATION, deadlines.TEAM_REVIEW)

RULE_LABELS = {
    deadlines.FIRST_MEETING: _("First meeting of the case manager with the person"),
    deadlines.PLAN_VALIDATION: _("Decision on the submitted action plan"),
    deadlines.REVIEW_WITH_PERSON: _("Review with the person and report to the network"),
    deadlines.TEAM_REVIEW: _("Quarterly review with the team of contact persons"),
    deadlines.POWER_OF_ATTORNEY: _("Renew the power of attorney"),
}

# Reminder stages of the power of attorney: days before the end of validity.
POA_STAGES = ((ReminderKind.DUE, 0), (ReminderKind.DAYS_7, 7), (ReminderKind.DAYS_30, 30))


def stage(deadline: deadlines.Deadline, today: datetime.date) -> str | None:
    """The latest reminder stage the deadline has reached on ``today`` (None: not yet)."""
    if deadline.rule == deadlines.POWER_OF_ATTORNEY:
        if today > deadline.due_on:
            return ReminderKind.OVERDUE
        for kind, days_before in POA_STAGES:
            if today >= deadline.due_on - datetime.timedelta(days=days_before):
                return kind
        return None
    if today > deadline.due_on:
        return ReminderKind.OVERDUE
    if today == deadline.due_on:
        return ReminderKind.DUE
    return None


def reminder_candidates_q(today: datetime.date) -> Q:
    """The cases that may have a deadline whose reminder date has come (a superset: the
    rules decide for each candidate)."""

    def started_by(setting: str, default: int) -> datetime.datetime:
        # start + N days <= today, i.e. start before the day after today - N.
        return deadlines._midnight(today - datetime.timedelta(days=deadlines.period(setting, default) - 1))

    first = Q(
        state=CaseState.CM_DESIGNATED, first_meeting_on__isnull=True,
        cm_designated_at__lt=started_by("IIZ_FIRST_MEETING_DAYS", 14),
    )
    validation = Q(state=CaseState.PLAN_VALIDATION, plan_submitted_at__lt=started_by("IIZ_PLAN_VALIDATION_DAYS", 10))
    implementation = Q(state=CaseState.IMPLEMENTATION, plan_validated_at__isnull=False)
    ending = today + datetime.timedelta(days=POA_STAGES[-1][1])
    poa = Q(state__in=OPEN_STATES) & Exists(PowerOfAttorney.objects.filter(case=OuterRef("pk"), valid_until__lte=ending))
    return first | validation | implementation | poa


def prime(cases: list[Case]) -> None:
    """Give each case its current plan, so that the rules read no further record (the
    plans come with the ``_plans`` prefetch of ``chunks``)."""
    for case in cases:
        plans = getattr(case, "_plans", [])
        case.records.__dict__["current_plan"] = plans[0] if plans else None


def chunks(cases, size: int = CHUNK) -> Iterator[list[Case]]:
    """``cases`` (a queryset) in chunks of ``size`` by primary key, each loaded with the
    relations the rules read: five queries per chunk."""
    cases = cases.select_related("case_manager", "coordinator").prefetch_related(
        *deadlines.DEADLINE_PREFETCH,
        Prefetch("plans", queryset=ActionPlan.objects.only("pk", "case_id", "version", "status", "decided_at").order_by("-version"), to_attr="_plans"),
    ).order_by("pk")
    last = 0
    while True:
        chunk = list(cases.filter(pk__gt=last)[:size])
        if not chunk:
            return
        prime(chunk)
        yield chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk


class Coordinators:
    """The active coordinators by region and theme (one query), for the cases without a
    named coordinator."""

    def __init__(self) -> None:
        self.by_region: dict[int, list[User]] = defaultdict(list)
        self.by_theme: dict[int, list[User]] = defaultdict(list)
        memberships = (
            Membership.objects.active()
            .filter(role__in=[Role.REGIONAL_COORDINATOR, Role.THEMATIC_COORDINATOR], user__is_active=True)
            .select_related("user").order_by("pk")
        )
        for m in memberships:
            if m.role == Role.THEMATIC_COORDINATOR:
                self.by_theme[m.theme_id].append(m.user)
            else:
                self.by_region[m.region_id].append(m.user)

    def of(self, case: Case) -> list[User]:
        if case.coordinator_id is not None:
            return [case.coordinator]
        if case.theme_id is not None:
            return self.by_theme.get(case.theme_id, [])
        return self.by_region.get(case.region_id, [])


def recipients(case: Case, rule: str, coordinators: Coordinators) -> list[User]:
    if rule in CASE_MANAGER_RULES:
        return [case.case_manager] if case.case_manager_id is not None else []
    return coordinators.of(case)


@action
def _store(reminders: list[Reminder], resolved: list[int], *, by=None) -> int:
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
    if resolved:
        Reminder.objects.filter(pk__in=resolved).update(resolved_at=timezone.now())
    return Reminder.objects.count() - before


def sweep(today: datetime.date | None = None) -> int:
    """Create the reminders due on ``today`` (default: today) and resolve the unsent ones
    whose deadline has been met; return the number of reminders created. Reading takes six
    queries per chunk of ``CHUNK`` candidate cases; only the reminders not stored yet are
    inserted (one statement per batch of new reminders; the constraint settles races)."""
    today = today or timezone.localdate()
    coordinators = Coordinators()
    new: list[Reminder] = []
    standing: set[tuple[int, str, datetime.date]] = set()
    for chunk in chunks(Case.objects.filter(reminder_candidates_q(today))):
        existing = set(
            Reminder.objects.filter(case__in=[case.pk for case in chunk])
            .values_list("case_id", "rule", "due_on", "kind", "recipient_id")
        )
        for case in chunk:
            for deadline in deadlines.deadlines_for(case, today):
                kind = stage(deadline, today)
                if kind is None:
                    continue
                standing.add((case.pk, deadline.rule, deadline.due_on))
                for user in recipients(case, deadline.rule, coordinators):
                    if (case.pk, deadline.rule, deadline.due_on, kind, user.pk) in existing:
                        continue
                    new.append(Reminder(case=case, rule=deadline.rule, due_on=deadline.due_on, kind=kind, recipient=user))
    pending = Reminder.objects.filter(sent_at__isnull=True, resolved_at__isnull=True).values_list("pk", "case_id", "rule", "due_on")
    resolved = [pk for pk, case_id, rule, due_on in pending if (case_id, rule, due_on) not in standing]
    return _store(new, resolved, by=None)


def base_url() -> str:
    return getattr(settings, "IIZ_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def render(reminder: Reminder) -> tuple[str, str]:
    """Subject and body of the reminder's e-mail, in the recipient's language."""
    with translation.override(reminder.recipient.language or "de"):
        context = {
            "reminder": reminder,
            "case": reminder.case,
            "label": RULE_LABELS.get(reminder.rule, reminder.rule),
            "recipient": reminder.recipient,
            "url": base_url() + reminder.case.get_absolute_url(),
        }
        subject = " ".join(render_to_string("emails/reminder_subject.txt", context).split())
        body = render_to_string("emails/reminder.txt", context)
    return subject, body


def ready(reminder: Reminder, now: datetime.datetime) -> bool:
    """A failed reminder waits ``2**attempts`` minutes after its creation before the next try."""
    return reminder.attempts == 0 or now >= reminder.created_at + datetime.timedelta(minutes=2**reminder.attempts)


def send_pending(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send the unsent reminders that are ready; return (sent, failed)."""
    now = now or timezone.now()
    sent = failed = 0
    pending = Reminder.objects.filter(sent_at__isnull=True, resolved_at__isnull=True).select_related("case", "recipient").order_by("pk")
    for reminder in pending:
        if not ready(reminder, now):
            continue
        try:
            if not reminder.recipient.email:
                raise ValueError("The recipient has no e-mail address.")
            subject, body = render(reminder)
            send_mail(subject, body, None, [reminder.recipient.email])
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried later
            reminder.attempts += 1
            reminder.last_error = f"{type(error).__name__}: {error}"[:2000]
            reminder.save(update_fields=["attempts", "last_error"])
            failed += 1
        else:
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
            sent += 1
    return sent, failed


# --- The inbox: the open deadlines a user must act on ---------------------------------------


def responsible(case: Case, rule: str, user: User) -> bool:
    if rule in CASE_MANAGER_RULES:
        return case.case_manager_id == user.pk
    if case.coordinator_id is not None:
        return case.coordinator_id == user.pk
    return can_coordinate(case, user)


def my_deadlines(user: User, today: datetime.date | None = None) -> list[tuple[Case, deadlines.Deadline]]:
    """The open deadlines of the cases the user may see that are the user's to meet (as
    case manager or as coordinator), soonest first; a fixed number of queries per chunk."""
    today = today or timezone.localdate()
    mine = Q(case_manager=user) | Q(coordinator=user)
    for m in user.active_memberships:
        if m.role == Role.THEMATIC_COORDINATOR:
            mine |= Q(coordinator__isnull=True, theme_id=m.theme_id)
        elif m.role == Role.REGIONAL_COORDINATOR:
            mine |= Q(coordinator__isnull=True, region_id=m.region_id, theme__isnull=True)
    cases = Case.objects.visible_to(user).filter(mine, state__in=OPEN_STATES).select_related("person")
    found = [
        (case, deadline)
        for chunk in chunks(cases)
        for case in chunk
        for deadline in deadlines.deadlines_for(case, today)
        if responsible(case, deadline.rule, user)
    ]
    return sorted(found, key=lambda item: (item[1].due_on, item[0].reference, item[1].rule))


def run(today: datetime.date | None = None) -> tuple[int, int, int]:
    """Sweep and send once: (created, sent, failed)."""
    created = sweep(today)
    sent, failed = send_pending()
    return created, sent, failed

