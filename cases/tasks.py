"""Background tasks (Celery): the reminders of the CII101 deadlines (cases/deadlines/reminders.py),
the e-mails that tell the network of the end of a support (cases/notices.py) and the
notifications by e-mail (cases/notifications/email.py), and the anonymisation of the cases
past their retention period (cases/retention).

The reminders take no arguments and work from the database state, so running one twice,
late, or on two workers at once does no harm; ``CELERY_BEAT_SCHEDULE`` (iiz/settings.py) runs
them, and the daily digest of the notifications. The e-mails of the end of a support and
the notifications sent at once take ids, queued by the action once the step is committed;
so do the meeting invitations (cases/scheduling/invitations.py).
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from cases import notices, retention
from cases.deadlines import reminders
from cases.notifications import email as notification_email
from cases.scheduling import invitations

RETRY = {
    "autoretry_for": (OSError, SMTPException, OperationalError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(name="cases.sweep_reminders", **RETRY)
def sweep_reminders() -> int:
    """Create the reminders that have come due; return how many were created."""
    return reminders.sweep()


@shared_task(name="cases.send_reminders", **RETRY)
def send_reminders() -> tuple[int, int]:
    """Send the pending reminders; return (sent, failed)."""
    return reminders.send_pending()


# The waits before sending failed e-mails of the end of a support again: 2, 4, 8, ... minutes.
NOTICE_RETRIES = 6


@shared_task(name="cases.send_end_of_support", bind=True, max_retries=NOTICE_RETRIES)
def send_end_of_support(self, case_id: int, recipient_ids: list[int], submitted_by_id: int | None = None) -> int:
    """E-mail the network and the cantonal officer that the support of a case has ended;
    return how many were sent. The recipients whose e-mail failed are tried again later, and
    only they: nobody gets it twice. Run in-process (no broker), a failure is logged and not
    tried again."""
    failed = notices.send_end_of_support(case_id, recipient_ids, submitted_by_id)
    if failed and not self.request.is_eager:
        raise self.retry(args=(case_id, failed, submitted_by_id), countdown=60 * 2 ** (self.request.retries + 1))
    return len(recipient_ids) - len(failed)


@shared_task(name="cases.send_notifications", bind=True, max_retries=NOTICE_RETRIES)
def send_notifications(self, notification_ids: list[int]) -> int:
    """E-mail these notifications to the recipients who want them at once; return how many
    were sent. Each is sent at most once, also by two workers; the failed ones are tried
    again later, and only they. Run in-process (no broker), a failure is logged and stays
    for the next attempt of nobody: the notification is still under the bell."""
    failed = notification_email.send_at_once(notification_ids)
    if failed and not self.request.is_eager:
        raise self.retry(args=(failed,), countdown=60 * 2 ** (self.request.retries + 1))
    return len(notification_ids) - len(failed)


@shared_task(name="cases.catch_up_notifications", **RETRY)
def catch_up_notifications() -> int:
    """Send the notifications meant for at once that their task did not send; return how
    many failed (tried again at the next run)."""
    return len(notification_email.catch_up())


@shared_task(name="cases.send_notification_digests", **RETRY)
def send_notification_digests() -> tuple[int, int]:
    """Send the daily digest of notifications to the users who chose it; return (sent, failed)."""
    return notification_email.send_digests()


@shared_task(name="cases.anonymise_due", **RETRY)
def anonymise_due() -> int:
    """Anonymise the ended cases past their retention period that are not held; return how
    many. Idempotent: an anonymised case is not taken again. Runs on the queue "retention",
    whose worker connects as the tables' owner (docs/deployment.md)."""
    return retention.anonymise_due()


@shared_task(name="cases.send_invitations", bind=True, max_retries=NOTICE_RETRIES)
def send_invitations(self, meeting_id: int) -> int:
    """E-mail the meeting's invitation (or its change, or its cancellation) with the .ics to
    each invited participant who has not had this version; return how many failed. Each
    participant gets each version once, also with two workers; the failed ones are tried
    again later."""
    failed = invitations.send(meeting_id)
    if failed and not self.request.is_eager:
        raise self.retry(args=(meeting_id,), countdown=60 * 2 ** (self.request.retries + 1))
    return len(failed)
