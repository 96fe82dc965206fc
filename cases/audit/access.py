"""The read side of the audit: every view of case data, every download and every export is
written to the append-only AccessLog, each row chained to the one before it by its hash
(cases/audit/chain.py). (Changes are recorded by django-simple-history on
every case model, with the user from HistoryRequestMiddleware.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from cases.audit import chain
from cases.models import AccessKind, AccessLog
from iiz.http import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cases.models import Case


def log_access(request: HttpRequest, case: Case | None, kind: str = AccessKind.VIEW, detail: str = "") -> None:
    """Record that ``request.user`` read ``case`` (``kind``: view, view_plan, download, export)."""
    log_access_many(request, [case], kind, detail)


def log_access_many(request: HttpRequest, cases: Iterable[Case], kind: str, detail: str = "") -> None:
    """One row per case, in one query (exports of lists)."""
    address = client_address(request)
    rows = [AccessLog(case=case, user=request.user, kind=kind, detail=detail[:300], address=address) for case in cases]
    with transaction.atomic(savepoint=False):
        chain.seal(rows)  # the hash chain (cases/audit/chain.py)
        AccessLog.objects.bulk_create(rows)
