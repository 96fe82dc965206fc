"""What each role may use: the navigation and the role-level capabilities.

Per-case rules ("may this user see or change this case") live with the cases; this module
answers only role-level questions, from the memberships loaded once per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from roles.models import Role, User

# Roles that work with individual cases (see personal data).
CASEWORK_ROLES = (
    Role.OFFICER,
    Role.SECRETARIAT,
    Role.REGIONAL_COORDINATOR,
    Role.THEMATIC_COORDINATOR,
    Role.CONTACT_PERSON,
    Role.FRONTLINE,
)


def can_manage_people(user: User) -> bool:
    """The cantonal officer manages users and memberships in the admin."""
    return user.is_superuser or (user.is_staff and user.has_role(Role.OFFICER))


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    is_active: bool


def navigation(user: User, path: str) -> list[NavItem]:
    """The menu entries this user's roles may use; the one for ``path`` is marked active."""
    from cases.permissions import can_report

    entries = [(_("Home"), reverse("home"))]
    if user.has_role(*CASEWORK_ROLES):
        entries.append((_("Cases"), reverse("cases:list")))
        entries.append((_("My tasks"), reverse("cases:my_tasks")))
    if can_report(user):
        entries.append((_("Report a case"), reverse("cases:intake")))
    entries.append((_("CII101 process"), reverse("cases:process")))
    if can_manage_people(user):
        entries.append((_("Administration"), reverse("admin:index")))
    matching = [url for _label, url in entries if (path == url if url == "/" else path.startswith(url))]
    active = max(matching, key=len, default=None)
    return [NavItem(label, url, url == active) for label, url in entries]
