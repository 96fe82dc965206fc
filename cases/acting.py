"""Who is acting: set by every action (cases/actions.py), read by the change history; and
the files an action wrote, deleted again when it fails.

In a request, django-simple-history takes the user from the request; outside one (demo
data, background tasks, management commands) it takes the user the running action acts as.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.db import transaction

ACTING_USER: ContextVar = ContextVar("acting_user", default=None)
# The files the running action has written to the storage: (storage, name) pairs.
STORED_FILES: ContextVar = ContextVar("stored_files", default=None)


def history_user(instance=None, request=None, **kwargs):
    """The author of a history row (``get_user`` of every HistoricalRecords)."""
    if request is not None:
        return request.user
    return ACTING_USER.get()


def action(function):
    """Make ``function`` an action: atomic, acting as its keyword argument ``by``. When it
    fails, its records are rolled back and the files it wrote to the storage are deleted
    (``stored``), so that no file is left without its record; an action run inside another
    hands its files to the outer one."""

    @functools.wraps(function)
    def wrapper(*args, by, **kwargs):
        outer = STORED_FILES.get()
        written: list = []
        tokens = ACTING_USER.set(by), STORED_FILES.set(written)
        try:
            with transaction.atomic():
                result = function(*args, by=by, **kwargs)
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
        finally:
            ACTING_USER.reset(tokens[0])
            STORED_FILES.reset(tokens[1])
        if outer is not None:
            outer.extend(written)
        return result

    return wrapper


def stored(field_file) -> None:
    """Record that the running action wrote ``field_file`` (a saved FileField value) to the
    storage: it is deleted again if the action fails."""
    files = STORED_FILES.get()
    if files is not None and field_file:
        files.append((field_file.storage, field_file.name))


class acting_as:
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
