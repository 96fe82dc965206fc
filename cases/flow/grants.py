"""Per-case grants (django-guardian direct foreign-key rows in CaseGrant), read once per
request: which cases a user was given access to, and as what."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from roles.models import User

DEPUTY = "act_as_case_manager"  # a deputy case manager during an absence
SHARED = "view_case"  # a case shared with a named person (read)
GRANT_PERMISSIONS = (DEPUTY, SHARED)


def active_grants(user: User, today: datetime.date | None = None) -> dict[int, frozenset[str]]:
    """{case id: permission codenames} of the user's grants in force; one query, cached on
    the user object (request.user lives for one request)."""
    cached = user.__dict__.get("_active_case_grants")
    if cached is None:
        from cases.models import CaseGrant

        today = today or timezone.localdate()
        found: dict[int, set[str]] = {}
        rows = CaseGrant.objects.filter(user=user, valid_until__gte=today).values_list(
            "content_object_id", "permission__codename"
        )
        for case_id, codename in rows:
            found.setdefault(case_id, set()).add(codename)
        cached = {case_id: frozenset(perms) for case_id, perms in found.items()}
        user.__dict__["_active_case_grants"] = cached
    return cached


def forget_grants(user: User) -> None:
    user.__dict__.pop("_active_case_grants", None)


def is_deputy(case_id: int, user: User) -> bool:
    return DEPUTY in active_grants(user).get(case_id, ())


def grant_label(codename: str) -> str:
    """The kind of a grant, in words (the active language)."""
    return _("deputy case manager") if codename == DEPUTY else _("read access")
