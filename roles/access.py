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


def can_view_dashboard(user: User) -> bool:
    """The dashboard counts the cases the user sees: every role that works with cases."""
    return user.has_role(*CASEWORK_ROLES)


def can_view_statistics(user: User) -> bool:
    """The steering view (aggregates only, small counts hidden) and the activity report:
    the steering boards (COPIL / CDC), the cantonal officer and the secretariat."""
    return user.has_role(Role.STEERING, Role.OFFICER, Role.SECRETARIAT)


def can_manage_people(user: User) -> bool:
    """The cantonal officer manages users and memberships in the admin."""
    return user.is_superuser or (user.is_staff and user.has_role(Role.OFFICER))


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    is_active: bool


def user_menu(user: User) -> list[tuple[str, str]]:
    """The entries of the user menu besides settings, password and logout: reference pages
    and administration, kept out of the main navigation so that it fits on one line."""
    entries = [(_("CII101 process"), reverse("cases:process"))]
    if can_manage_people(user):
        entries.append((_("Administration"), reverse("admin:index")))
    return entries


def navigation(user: User, path: str) -> list[NavItem]:
    """The menu entries this user's roles may use; the one for ``path`` is marked active."""
    from cases.documents.printqueue import can_use_print_queue
    from cases.flow.permissions import can_report

    entries = [(_("Home"), reverse("home"))]
    if user.has_role(*CASEWORK_ROLES):
        entries.append((_("Cases"), reverse("cases:list")))
        entries.append((_("My tasks"), reverse("cases:my_tasks")))
    if can_report(user):
        entries.append((_("Report a case"), reverse("cases:intake")))
    if can_use_print_queue(user):
        entries.append((_("Print queue"), reverse("cases:print_queue")))
    if can_view_dashboard(user):  # the officer and the secretariat open the steering view from it
        entries.append((_("Dashboard"), reverse("cases:dashboard")))
    elif can_view_statistics(user):
        entries.append((_("Statistics"), reverse("cases:statistics")))
    matching = [url for _label, url in entries if (path == url if url == "/" else path.startswith(url))]
    active = max(matching, key=len, default=None)
    return [NavItem(label, url, url == active) for label, url in entries]
