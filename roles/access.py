"""What each role may use: the role-level capabilities and the account part of the navigation.

Per-case rules ("may this user see or change this case") live with the cases, and so do the
navigation entries that lead to cases (cases/context_processors.py); this module answers only
role-level questions, from the memberships loaded once per request, and imports nothing from
the cases app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from roles.models import Role, User


def can_manage_people(user: User) -> bool:
    """The cantonal officer manages users and memberships in the admin."""
    return user.is_superuser or (user.is_staff and user.has_role(Role.OFFICER))


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    is_active: bool
    # A number shown beside the label (None: none); a callable, so that the template
    # computes it only when it renders the navigation.
    count: Callable[[], int] | None = None


def nav_items(entries: Iterable[tuple[str, str]], path: str) -> list[NavItem]:
    """Menu entries as (label, url); the one whose url is the longest prefix of ``path`` is
    marked active ("/" only when it is the path itself, so the home entry never competes)."""
    entries = list(entries)
    matching = [url for _label, url in entries if (path == url if url == "/" else path.startswith(url))]
    active = max(matching, key=len, default=None)
    return [NavItem(label, url, url == active) for label, url in entries]


def account_navigation(user: User, path: str) -> list[NavItem]:
    """The entries of the main navigation that every signed-in user has (before the cases' own)."""
    return nav_items([(_("Home"), reverse("home"))], path)


def account_menu(user: User) -> list[tuple[str, str]]:
    """The user menu entries about people (after the cases' reference pages): administration,
    kept out of the main navigation so that it fits on one line."""
    entries = []
    if can_manage_people(user):
        entries.append((_("Administration"), reverse("admin:index")))
    return entries
