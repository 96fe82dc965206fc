"""Background tasks (Celery): the reminders of the CII101 deadlines (cases/deadlines/reminders.py).

They take no arguments and work from the database state, so running one twice, late, or on
two workers at once does no harm. ``CELERY_BEAT_SCHEDULE`` (iiz/settings.py) runs them.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from cases.deadlines import reminders

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
