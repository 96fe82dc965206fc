"""Reminders of the CII101 deadlines: ``sweep`` creates them, ``send_pending`` e-mails them.

Both work from the database state alone, so a late or repeated run (after a day without a
worker, or two workers at once) catches up and never duplicates:

- ``sweep(today)`` narrows the cases in SQL (``reminder_candidates_q``), loads the
  candidates with what the rules read in a fixed number of queries whatever their number
  (``deadlines.load``: the related rows are selected by the same query as a subquery, never by a list
  of ids), and re-runs the rules of cases/deadlines/__init__.py on them. For each deadline whose
  latest reminder date has come it inserts the missing reminder of each recipient with
  ``bulk_create(ignore_conflicts=True)``; the unique constraint refuses any that another
  run inserted meanwhile. Unsent reminders whose deadline has been met in the meantime are
  marked resolved and never sent.
- ``send_pending(now)`` sends the unsent reminders in their recipient's language: one
  e-mail per reminder, or, for the users who chose it, one digest a day from
  ``IIZ_DIGEST_HOUR`` (default 7) with all of their pending reminders. A sender first
  *claims* a reminder (an UPDATE that only one sender can win, holding it for
  ``CLAIM_MINUTES``), so two workers never send the same one; a claim left by a crashed
  worker runs out and the next run sends it. A failure is recorded and retried on a later
  run, ``2**attempts`` minutes (at most a day) after the last attempt.

Recipients: the case manager, and any deputy case manager in force (per-case grant), for
the case manager's deadlines; the case's coordinator (or, without one, the active
coordinators of its region or theme) for the coordinator's.

Stages: the power of attorney is reminded 30 and 7 days before it ends, on its last day and
once it has expired; the other deadlines on the due date and once overdue. A run that
comes late creates only the stage reached, not the ones it missed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from functools import reduce
from operator import or_
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as database
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cases import deadlines, mail
from cases.acting import action
from cases.flow import scope
from cases.flow.grants import DEPUTY
from cases.models import Case, CaseGrant, Reminder, ReminderKind
from roles.models import Membership, ReminderDelivery, Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from roles.models import User

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

# How long a sender holds a claimed reminder before another may take it over.
CLAIM_MINUTES = 10
# The longest wait before retrying a failed reminder (the waits double from 2 minutes).
MAX_RETRY_MINUTES = 24 * 60
# Rows per statement when marking many reminders resolved (SQLite limits the parameters).
WRITE_BATCH = 500


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
    rules decide for each candidate): a deadline due by today, or a power of attorney ending
    within the first reminder stage."""
    due = deadlines.due_rules_q(today)
    due[deadlines.POWER_OF_ATTORNEY] = deadlines.due_rules_q(today + datetime.timedelta(days=POA_STAGES[-1][1]))[
        deadlines.POWER_OF_ATTORNEY
    ]
    return reduce(or_, due.values())


class Recipients:
    """Who is reminded of what: the case manager and the deputies in force for the case
    manager's deadlines, the case's coordinator or else the active coordinators of its region
    or theme for the coordinator's. Two queries for any number of cases."""

    def __init__(self, cases: QuerySet, today: datetime.date) -> None:
        self.by_unit: dict[tuple, list[int]] = defaultdict(list)
        memberships = (
            Membership.objects.active()
            .filter(role__in=[Role.REGIONAL_COORDINATOR, Role.THEMATIC_COORDINATOR], user__is_active=True)
            .order_by("pk")
            .values_list("role", "region_id", "theme_id", "user_id")
        )
        for role, region_id, theme_id, user_id in memberships:
            self.by_unit[scope.unit_of_membership(role, region_id, theme_id)].append(user_id)
        self.deputies: dict[int, list[int]] = defaultdict(list)
        grants = (
            CaseGrant.objects.filter(
                content_object__in=cases.order_by().values("pk"),
                valid_until__gte=today,
                permission__codename=DEPUTY,
            )
            .order_by("pk")
            .values_list("content_object_id", "user_id")
        )
        for case_id, user_id in grants:
            self.deputies[case_id].append(user_id)

    def of(self, case: Case, rule: str) -> list[int]:
        if rule in CASE_MANAGER_RULES:
            named = [case.case_manager_id] if case.case_manager_id is not None else []
            return named + [pk for pk in self.deputies.get(case.pk, []) if pk not in named]
        if case.coordinator_id is not None:
            return [case.coordinator_id]
        return self.by_unit.get(scope.unit_of_case(case.region_id, case.theme_id), [])


# A reminder to insert: (case id, rule, due on, kind, recipient id).
NewReminder = tuple[int, str, datetime.date, str, int]

# On PostgreSQL the new reminders go in as one INSERT of arrays: Django's bulk_create spends
# about 0.1 ms preparing each row, seconds for the 200,000 reminders of a first sweep.
INSERT_ARRAYS = """
    INSERT INTO cases_reminder (case_id, rule, due_on, kind, recipient_id, created_at, attempts, last_error)
    SELECT c, r, d, k, u, %s, 0, '' FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::text[], %s::bigint[])
        AS t(c, r, d, k, u)
    ON CONFLICT DO NOTHING
"""


@action
def _store(new: list[NewReminder], resolved: list[int], *, by=None) -> int:
    """Insert the ``new`` reminders that are not stored yet (the unique constraint refuses
    the others) and mark the ``resolved`` ones; return how many were inserted."""
    before = Reminder.objects.count()
    if new and database.vendor == "postgresql":
        with database.cursor() as cursor:
            cursor.execute(INSERT_ARRAYS, [timezone.now(), *(list(column) for column in zip(*new, strict=True))])
    elif new:
        rows = [Reminder(case_id=c, rule=r, due_on=d, kind=k, recipient_id=u) for c, r, d, k, u in new]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=WRITE_BATCH)
    now = timezone.now()
    for start in range(0, len(resolved), WRITE_BATCH):
        Reminder.objects.filter(pk__in=resolved[start : start + WRITE_BATCH]).update(resolved_at=now)
    return Reminder.objects.count() - before


# The case columns the rules (on the dates the case keeps: ``deadlines.kept_deadline``) and
# the recipients read.
SWEEP_FIELDS = (
    "pk",
    "state",
    "region_id",
    "theme_id",
    "case_manager_id",
    "coordinator_id",
    "cm_designated_at",
    "first_meeting_on",
    "plan_submitted_at",
    *deadlines.KEPT_DATES,
)


def sweep(today: datetime.date | None = None) -> int:
    """Create the reminders due on ``today`` (default: today) and resolve the unsent ones
    whose deadline has been met; return the number of reminders created.

    Reading takes six queries whatever the number of cases. The rules run on the case's own
    columns and the dates it keeps (``deadlines.kept_deadline``, the form My tasks pages in
    SQL), read as plain rows: no model instance and no plan, review or power of attorney is
    loaded, which is what lets a sweep over 100,000 open cases take seconds. Writing inserts
    only the reminders not stored yet (the constraint settles races) and marks the resolved
    ones in batches of ``WRITE_BATCH``."""
    today = today or timezone.localdate()
    candidates = Case.objects.filter(reminder_candidates_q(today))
    recipients = Recipients(candidates, today)
    standing: dict[tuple[int, str, datetime.date], str] = {}
    by_pk: dict[int, SimpleNamespace] = {}
    for values in candidates.order_by().values_list(*SWEEP_FIELDS):
        case = SimpleNamespace(**dict(zip(SWEEP_FIELDS, values, strict=True)))
        by_pk[case.pk] = case
        for rule in deadlines.RULES_BY_KEY:
            deadline = deadlines.kept_deadline(case, rule, today)
            if deadline is not None and (kind := stage(deadline, today)) is not None:
                standing[(case.pk, rule, deadline.due_on)] = kind
    new: list[NewReminder] = []
    if standing:
        oldest = min(due_on for _case, _rule, due_on in standing)
        existing = set(
            Reminder.objects.filter(case__in=candidates.order_by().values("pk"), due_on__gte=oldest).values_list(
                "case_id", "rule", "due_on", "kind", "recipient_id"
            )
        )
        for (case_id, rule, due_on), kind in standing.items():
            for user_id in recipients.of(by_pk[case_id], rule):
                if (case_id, rule, due_on, kind, user_id) not in existing:
                    new.append((case_id, rule, due_on, kind, user_id))
    pending = Reminder.objects.filter(sent_at__isnull=True, resolved_at__isnull=True).values_list(
        "pk", "case_id", "rule", "due_on"
    )
    resolved = [pk for pk, case_id, rule, due_on in pending if (case_id, rule, due_on) not in standing]
    return _store(new, resolved, by=None)


# --- Sending --------------------------------------------------------------------------------


def base_url() -> str:
    return getattr(settings, "IIZ_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def _item(reminder: Reminder) -> dict:
    return {
        "reminder": reminder,
        "case": reminder.case,
        "label": RULE_LABELS.get(reminder.rule, reminder.rule),
        "url": base_url() + reminder.case.get_absolute_url(),
    }


def render(reminder: Reminder) -> tuple[str, str]:
    """Subject and body of the reminder's e-mail, in the recipient's language."""
    with translation.override(reminder.recipient.language or "de"):
        context = {**_item(reminder), "recipient": reminder.recipient}
        subject = mail.render_subject("emails/reminder_subject.txt", context)
        body = mail.render_text("emails/reminder.txt", context)
    return subject, body


def render_digest(recipient: User, items: list[Reminder], today: datetime.date) -> tuple[str, str]:
    """Subject and body of one recipient's daily digest, in the recipient's language."""
    with translation.override(recipient.language or "de"):
        context = {
            "recipient": recipient,
            "items": [_item(r) for r in items],
            "today": today,
            "tasks_url": base_url() + reverse("cases:my_tasks"),
        }
        subject = mail.render_subject("emails/reminder_digest_subject.txt", context)
        body = mail.render_text("emails/reminder_digest.txt", context)
    return subject, body


def ready(reminder: Reminder, now: datetime.datetime) -> bool:
    """A failed reminder waits ``2**attempts`` minutes (at most a day) after its last
    attempt before the next one."""
    if reminder.attempts == 0:
        return True
    wait = datetime.timedelta(minutes=min(2**reminder.attempts, MAX_RETRY_MINUTES))
    return now >= (reminder.last_attempt_at or reminder.created_at) + wait


def claim(reminder: Reminder, now: datetime.datetime) -> bool:
    """Take the reminder for sending; False when it is sent, resolved or held by another
    sender. One UPDATE: of two senders, only one changes the row."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    taken = Reminder.objects.filter(free, pk=reminder.pk, sent_at__isnull=True, resolved_at__isnull=True).update(
        claimed_until=now + datetime.timedelta(minutes=CLAIM_MINUTES)
    )
    return taken == 1


def _sent(reminders: list[Reminder], now: datetime.datetime) -> None:
    Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(sent_at=now, claimed_until=None)


def _failed(reminders: list[Reminder], error: Exception, now: datetime.datetime) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    for reminder in reminders:
        reminder.attempts += 1
        reminder.last_error = message
        reminder.last_attempt_at = now
        reminder.claimed_until = None
        reminder.save(update_fields=["attempts", "last_error", "last_attempt_at", "claimed_until"])


def _send(connection, recipient: User, subject: str, body: str) -> None:
    mail.send(recipient, subject, body, connection=connection)


def send_pending(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send the unsent reminders that are ready; return (reminders sent, reminders failed).

    One e-mail per reminder, except for the recipients who chose the daily digest: theirs
    wait for the digest hour and then go out in one message, once a day (a run after the
    hour sends the day's digest if none went out yet, so a day without a worker is caught
    up by the next run)."""
    now = now or timezone.now()
    sent = failed = 0
    pending = [
        reminder
        for reminder in Reminder.objects.filter(sent_at__isnull=True, resolved_at__isnull=True)
        .select_related("case", "recipient")
        .order_by("due_on", "pk")
        if ready(reminder, now)
    ]
    digest_from = mail.digest_time(now)
    digests: dict[int, list[Reminder]] = defaultdict(list)
    with get_connection() as connection:
        for reminder in pending:
            if reminder.recipient.reminder_delivery == ReminderDelivery.DIGEST:
                digests[reminder.recipient_id].append(reminder)
                continue
            if not claim(reminder, now):
                continue
            try:
                _send(connection, reminder.recipient, *render(reminder))
            except Exception as error:
                _failed([reminder], error, now)
                failed += 1
            else:
                _sent([reminder], now)
                sent += 1
        if digests and now >= digest_from:
            had_digest = set(
                Reminder.objects.filter(recipient__in=list(digests), sent_at__gte=digest_from)
                .values_list("recipient_id", flat=True)
                .distinct()
            )
            for recipient_id, items in digests.items():
                if recipient_id in had_digest:
                    continue
                items = [reminder for reminder in items if claim(reminder, now)]
                if not items:
                    continue
                try:
                    _send(connection, items[0].recipient, *render_digest(items[0].recipient, items, timezone.localdate(now)))
                except Exception as error:
                    _failed(items, error, now)
                    failed += len(items)
                else:
                    _sent(items, now)
                    sent += len(items)
    return sent, failed


def run(today: datetime.date | None = None) -> tuple[int, int, int]:
    """Sweep and send once: (created, sent, failed)."""
    created = sweep(today)
    sent, failed = send_pending()
    return created, sent, failed
