"""Who is acting: set by every action (cases/actions.py), read by the change history.

In a request, django-simple-history takes the user from the request; outside one (demo
data, background tasks, management commands) it takes the user the running action acts as.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.db import transaction

ACTING_USER: ContextVar = ContextVar("acting_user", default=None)


def history_user(instance=None, request=None, **kwargs):
    """The author of a history row (``get_user`` of every HistoricalRecords)."""
    if request is not None:
        return request.user
    return ACTING_USER.get()


def action(function):
    """Make ``function`` an action: atomic, acting as its keyword argument ``by``."""

    @functools.wraps(function)
    def wrapper(*args, by, **kwargs):
        token = ACTING_USER.set(by)
        try:
            with transaction.atomic():
                return function(*args, by=by, **kwargs)
        finally:
            ACTING_USER.reset(token)

    return wrapper


class acting_as:  # noqa: N801 - used like a function: ``with acting_as(user):``
    """Record ``user`` as the author of history rows written inside the block (for code
    that saves records directly, outside an action and a request)."""

    def __init__(self, user):
        self.user = user

    def __enter__(self):
        self.token = ACTING_USER.set(self.user)
        return self.user

    def __exit__(self, *exc):
        ACTING_USER.reset(self.token)
        return False
