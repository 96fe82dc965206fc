"""The navigation entries of the cases app, next to the account ones of roles/context_processors.py.

Which entries a user sees is decided by the policy (cases/flow/policy.py); templates/base.html
shows ``case_nav_items`` after the home entry and ``case_menu_items`` (reference pages) at
the top of the user menu. "My tasks" carries the number of items waiting (cases/worklists.py),
counted in one query when the navigation is rendered and kept in the figures' cache until the
data change (most pages read it without a query).
"""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases import worklists
from cases.flow import policy
from roles.access import NavItem, nav_items
from roles.models import User


def case_navigation(user: User, path: str) -> list[NavItem]:
    """The main navigation entries about cases this user's roles may use; the one for ``path``
    is marked active."""
    entries = []
    if policy.permits(user, "list_cases"):
        entries.append((_("Cases"), reverse("cases:list")))
    tasks_url = reverse("cases:my_tasks")
    if policy.permits(user, "view_my_tasks"):
        entries.append((_("My tasks"), tasks_url))
    if policy.permits(user, "report_case"):
        entries.append((_("Report a case"), reverse("cases:intake")))
    if policy.permits(user, "use_print_queue"):
        entries.append((_("Print queue"), reverse("cases:print_queue")))
    if policy.permits(user, "decide_funding"):  # the commission's members: their sittings
        entries.append((_("Commission"), reverse("cases:commission")))
    if policy.permits(user, "view_dashboard"):  # the officer and the secretariat open the steering view from it
        entries.append((_("Dashboard"), reverse("cases:dashboard")))
    elif policy.permits(user, "view_statistics"):
        entries.append((_("Statistics"), reverse("cases:statistics")))
    # The count is called by the template only when it renders the navigation: one query at
    # most, shared with the My tasks page (worklists.counts keeps it in the cache and on the user).
    return [
        replace(item, count=lambda: worklists.total(user)) if item.url == tasks_url else item for item in nav_items(entries, path)
    ]


def case_menu(user: User) -> list[tuple[str, str]]:
    """The reference pages of the cases app in the user menu (kept out of the main navigation
    so that it fits on one line)."""
    entries = [(_("CII101 process"), reverse("cases:process"))]
    if policy.permits(user, "view_calendar"):
        entries.append((_("My meetings"), reverse("cases:calendar")))
    if policy.permits(user, "search_employers"):
        entries.append((_("Employer contacts"), reverse("cases:employers")))
    if policy.permits(user, "unlock_logins"):
        entries.append((_("Locked logins"), reverse("cases:locked_logins")))
    if policy.permits(user, "view_retention"):
        entries.append((_("Retention"), reverse("cases:retention")))
    # The officer prepares the commission's sittings (the requests to check are in My tasks)
    # and keeps the fund; the secretariat reads it.
    if policy.permits(user, "view_sittings") and not policy.permits(user, "decide_funding"):
        entries.append((_("Commission"), reverse("cases:commission")))
    if policy.permits(user, "view_fund"):
        entries.append((_("Fund"), reverse("cases:fund")))
    # The secretariat's accounting (its work waiting is in My tasks) and the conferences.
    if policy.permits(user, "view_accounting"):
        entries.append((_("Accounting"), reverse("cases:invoices")))
    if policy.permits(user, "register_for_conference"):
        entries.append((_("Conferences"), reverse("cases:conferences")))
    return entries


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"case_nav_items": case_navigation(user, request.path), "case_menu_items": case_menu(user)}
