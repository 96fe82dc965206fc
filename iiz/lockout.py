"""The login lock-out: django-axes's database handler with a second limit per address.

axes locks a username from one client address after ``AXES_FAILURE_LIMIT`` failures
(``AXES_LOCKOUT_PARAMETERS``). One address trying many usernames (credential stuffing)
stays under that limit for each of them, so the failures of the address are counted too,
whatever the username: from ``IIZ_LOGIN_FAILURES_PER_ADDRESS`` on, the address is locked.
Both locks end after the cool-off (``AXES_COOLOFF_TIME``); a superuser can end them earlier
by deleting the access attempts in the admin (Axes › Access attempts).
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


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
