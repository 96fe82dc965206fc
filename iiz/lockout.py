"""The login lock-out: django-axes's database handler with a second limit per address.

axes locks a username from one client address after ``AXES_FAILURE_LIMIT`` failures
(``AXES_LOCKOUT_PARAMETERS``). One address trying many usernames (credential stuffing)
stays under that limit for each of them, so the failures of the address are counted too,
whatever the username: from ``IIZ_LOGIN_FAILURES_PER_ADDRESS`` on, the address is locked.
Both locks end after the cool-off (``AXES_COOLOFF_TIME``); the cantonal officer can end them
earlier on the page of locked logins (``locks``, ``unlock``; cases/views/lockouts.py), which
is logged.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

logger = logging.getLogger("iiz.security")


class LockoutHandler(AxesDatabaseHandler):
    def address_failures(self, request) -> int:
        """The failed logins from the request's client address within the cool-off, for
        every username."""
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        if not address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against the limit: those of this username from this
        address, or those of the address shifted so that the address reaches
        ``AXES_FAILURE_LIMIT`` when it reaches ``IIZ_LOGIN_FAILURES_PER_ADDRESS``."""
        per_user = super().get_failures(request, credentials)
        shift = int(settings.IIZ_LOGIN_FAILURES_PER_ADDRESS) - int(settings.AXES_FAILURE_LIMIT)
        return max(per_user, self.address_failures(request) - shift)


# --- the officer's view of the locks, and their lifting (cases/views/lockouts.py) ------------


@dataclass(frozen=True)
class Lock:
    """A lock in force: a username from one address, or (``username`` empty) an address for
    every username."""

    username: str
    address: str
    failures: int
    last_attempt: datetime.datetime
    until: datetime.datetime


def locks() -> list[Lock]:
    """The locks in force now, the latest first: two queries."""
    cool_off = get_cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    found = [
        Lock(a.username or "", a.ip_address or "", a.failures_since_start, a.attempt_time, a.attempt_time + cool_off)
        for a in recent.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).only(
            "username", "ip_address", "failures_since_start", "attempt_time"
        )
    ]
    addresses = (
        recent.exclude(ip_address=None)
        .values("ip_address")
        .annotate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(total__gte=settings.IIZ_LOGIN_FAILURES_PER_ADDRESS)
    )
    found += [Lock("", row["ip_address"], row["total"], row["last"], row["last"] + cool_off) for row in addresses]
    return sorted(found, key=lambda lock: (lock.last_attempt, lock.username), reverse=True)


def unlock(*, username: str, address: str, by) -> int:
    """Lift the lock of ``username`` from ``address`` (or, without a username, of the
    address for every username): its failed attempts are deleted. Written to the security
    log and, for a user's lock, to the user's change history in the admin. Returns how many
    attempt rows went."""
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if username:
        attempts = attempts.filter(username=username)
    removed = attempts.delete()[0]
    if removed:
        logger.warning("login lock-out of %s from %s lifted by %s", username or "every username", address, by.get_username())
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is not None:
            # Stored in English, shown in the reader's language (LogEntry.get_change_message).
            LogEntry.objects.log_actions(
                user_id=by.pk,
                queryset=[user],
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": [gettext_noop("Login lock-out lifted")]}}],
                single_object=True,
            )
    return removed
