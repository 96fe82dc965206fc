"""The hash chains of the access log and the case journal (tamper evidence, issue 18 point 9).

Each new row stores ``hash`` = SHA-256 over the previous row's hash (by id; the first row
follows :data:`GENESIS`) and the row's canonical content (:func:`canonical`). A row changed
or deleted afterwards breaks the chain at the next row whose stored hash no longer matches;
``python manage.py verify_audit`` recomputes both chains and names the first broken row.

:func:`seal` is called by the one writer of each record (cases/audit/access.py for the
access log, ``_journal``/``mark_documents`` in cases/actions.py for the journal), inside a
transaction, before the rows are inserted: it takes the chain's lock (on PostgreSQL a
transaction-level advisory lock; on SQLite the IMMEDIATE transaction already serialises
writers), reads the last hash, stamps the rows' time and chains them. Two writers at once
therefore never fork the chain.

The chain does not show the removal of the newest rows (nothing follows them); the
append-only triggers on PostgreSQL and a role that owns no table (docs/deployment.md)
guard against that.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone

from cases.models import AccessLog, JournalEntry

GENESIS = "0" * 64

# The fields each chain covers (besides the previous hash), in this order.
FIELDS = {
    "cases_accesslog": ("case_id", "user_id", "kind", "detail", "at", "address"),
    "cases_journalentry": (
        "case_id",
        "author_id",
        "kind",
        "at",
        "transition",
        "from_state",
        "to_state",
        "text",
        "event",
        "params",
    ),
}
CHAINED = (AccessLog, JournalEntry)
# The advisory-lock keys of the chains on PostgreSQL (any fixed numbers of this application).
LOCK_KEYS = {"cases_accesslog": 18_901, "cases_journalentry": 18_902}


def _value(name: str, value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if name == "address" and value:
        return models.GenericIPAddressField().get_prep_value(value)
    return value


def canonical(row: models.Model) -> str:
    """The content of ``row`` that its hash covers, as a JSON text with sorted keys."""
    table = row._meta.db_table
    return json.dumps(
        {name: _value(name, getattr(row, name)) for name in FIELDS[table]},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def digest(previous: str, row: models.Model) -> str:
    return hashlib.sha256((previous + canonical(row)).encode()).hexdigest()


def _head(model: type[models.Model]) -> str:
    """The last row's hash, read under the chain's lock: one query. On PostgreSQL the
    function ``iiz_chain_head`` (migration 0021) takes the transaction-level advisory lock,
    then reads with a snapshot taken after it, so it sees what the writer before committed."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT iiz_chain_head(%s::bigint, %s::regclass)", [LOCK_KEYS[table], table])
            head = cursor.fetchone()[0]
    else:  # SQLite: the IMMEDIATE transaction already holds the database's write lock
        head = model._base_manager.order_by("-pk").values_list("hash", flat=True).first()
    return head or GENESIS


def seal(rows: Sequence[models.Model]) -> None:
    """Stamp the unsaved ``rows`` (all of one chained model) with the time and chain them
    after the last saved row. Call inside ``transaction.atomic`` and insert the rows in
    this order in the same transaction."""
    if not rows:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("The audit chain is sealed inside the transaction that inserts the rows.")
    previous = _head(type(rows[0]))
    now = timezone.now()
    for row in rows:
        row.at = now
        row.hash = previous = digest(previous, row)


@dataclass(frozen=True)
class Break:
    """The first row of a chain whose stored hash does not match."""

    table: str
    pk: int
    at: datetime.datetime


def _rows(model: type[models.Model]) -> Iterator[models.Model]:
    return model._base_manager.order_by("pk").only("pk", "hash", *FIELDS[model._meta.db_table]).iterator(chunk_size=2000)


def verify(model: type[models.Model]) -> tuple[int, Break | None]:
    """Recompute the chain of ``model``: how many rows, and the first broken one (or None)."""
    previous, count = GENESIS, 0
    for row in _rows(model):
        count += 1
        expected = digest(previous, row)
        if row.hash != expected:
            return count, Break(model._meta.db_table, row.pk, row.at)
        previous = row.hash
    return count, None


def rebuild(model: type[models.Model]) -> int:
    """Recompute and store the whole chain of ``model`` in id order (the migration that
    introduced the chains, and the demo after re-dating its journal). On PostgreSQL the
    caller has allowed the rewrite (:func:`allow_rewrite`)."""
    previous, updates = GENESIS, []
    for row in _rows(model):
        previous = digest(previous, row)
        if row.hash != previous:
            updates.append((previous, row.pk))
    if updates:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET hash = %s WHERE id = %s", updates)
    return len(updates)


def allow_rewrite() -> None:
    """On PostgreSQL, let this transaction change rows of the append-only tables: the
    triggers honour the setting only for the tables' owner (who could drop the triggers
    anyway), never for the application's role. Used by migrations and the demo data."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL iiz.allow_rewrite = 'on'")
