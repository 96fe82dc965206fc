"""Figures that many pages read and few requests change, kept in the cache (Redis in
production, shared by every web process) until the data under them change.

One rule: a cached value is keyed by the *generation* of the data, a number that goes up
when a transaction that wrote to the cases or roles tables commits (``post_save``,
``post_delete`` of their models, connected in ``CasesConfig.ready``;
the writers that bypass the signals, ``QuerySet.update`` and ``bulk_create``, call
``changed()`` themselves, or save a model in the same transaction). A new generation makes
every older key unreachable; they expire after ``TIMEOUT``. Reading a page writes only
the access log, which changes no figure (``UNCHANGING``), so reading never invalidates.

The other parts of a key say *whose* figures they are: ``scope_key`` turns a queryset
(the cases a user sees, with the page's filters) into a digest of its SQL, so two users
with the same scope share one entry, and a user whose memberships change gets another.
The day is part of the key where the figures depend on it (overdue, ages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

T = TypeVar("T")

GENERATION = "iiz:generation"
TIMEOUT = 300  # seconds: the longest a value lives (a dashboard is at most 5 minutes old)
APPS = {"cases", "roles"}
UNCHANGING = {"cases.accesslog"}  # written when a page is read; no figure counts it
UNCHANGING_FIELDS = {"last_login"}  # a save of only these changes no figure (a login)


def generation() -> int:
    """The data's current generation (1 when the cache was emptied)."""
    value = cache.get(GENERATION)
    if value is None:
        cache.add(GENERATION, 1, timeout=None)
        value = cache.get(GENERATION, 1)
    return value


def _bump() -> None:
    try:
        cache.incr(GENERATION)
    except ValueError:  # not set (emptied cache): every key is new anyway
        cache.add(GENERATION, 2, timeout=None)


def changed() -> None:
    """The data changed: every cached figure is stale now and again once the transaction
    commits (a request that read the old rows in between cached them under the first
    new generation)."""
    _bump()
    connection = transaction.get_connection()
    if not any(callback is _bump for _savepoints, callback, _robust in connection.run_on_commit):
        transaction.on_commit(_bump)  # once per transaction, however many rows it writes


def scope_key(queryset: QuerySet) -> str:
    """A digest of the queryset's SQL and parameters: the same cases, the same key."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]


def remember(name: str, parts: tuple, compute: Callable[[], T], timeout: int = TIMEOUT) -> T:
    """``compute()``'s value for this generation of the data and these ``parts``, computed
    at most once per generation (per cache lifetime) across the web processes."""
    key = f"iiz:{name}:{generation()}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def on_write(sender, update_fields=None, **kwargs) -> None:
    """The signal receiver: a write to a model of the cases or roles app. A login, which
    saves only the user's ``last_login``, changes no figure."""
    meta = sender._meta
    if meta.app_label not in APPS or meta.label_lower in UNCHANGING:
        return
    if update_fields is not None and set(update_fields) <= UNCHANGING_FIELDS:
        return
    changed()
