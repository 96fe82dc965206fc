"""Who sees and who changed a case: the access log (officer), the change history
(officer, coordinator, case manager), and the per-case grants given by the coordinator or
the officer (a deputy case manager during an absence, read access for a named person).

Nothing here changes or deletes an access-log entry: the log is append-only.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import actions
from cases.actions import ActionRefused, CaseConflict
from cases.audit.access import log_access
from cases.audit.history import case_changes, tracked_records
from cases.flow import policy
from cases.flow.grants import DEPUTY, SHARED, grant_label
from cases.flow.scope import INTAKE_ROLES
from cases.forms import date_input
from cases.models import AccessKind, AccessLog, Case, CaseGrant
from cases.views import denied, get_case_for_user, refused
from iiz.forms import SafeForm
from roles.models import Membership, User

LOG_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50

# The pages named in the "detail" of access-log entries (stored in English, shown translated).
LOGGED_PAGES = [
    gettext_noop("case page"),
    gettext_noop("process diagram"),
    gettext_noop("plan comparison"),
    gettext_noop("change history"),
    gettext_noop("meeting form"),
    gettext_noop("first meeting form"),
    gettext_noop("plan form"),
    gettext_noop("resources form"),
    gettext_noop("review form"),
    gettext_noop("power of attorney form"),
    gettext_noop("interrupt form"),
    gettext_noop("exit report form"),
    gettext_noop("close form"),
    gettext_noop("journal entry form"),
    gettext_noop("person form"),
    gettext_noop("ask network form"),
    gettext_noop("case facts form"),
    gettext_noop("access form"),
    gettext_noop("case manager form"),
    gettext_noop("person in the administration"),
]


def _back_to_access(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(case.get_absolute_url() + "#access")


# --- the access log (officer) ---------------------------------------------------------------


@require_GET
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who read this case, newest first: only the cantonal officer sees it."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "view_access_log", case):
        return refusal
    today = timezone.localdate()
    entries = (
        AccessLog.objects.filter(case=case)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.active(today).select_related("region", "theme", "institution").order_by("role", "pk"),
                to_attr="roles_in_force",
            )
        )
        .order_by("-at", "-pk")
    )
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, _(entry.detail) if entry.detail else "") for entry in page.object_list]
    return render(request, "cases/access_log.html", {"case": case, "page": page, "rows": rows})


# --- the change history (officer, coordinator, case manager) ---------------------------------


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to the case's data recorded by django-simple-history, newest first, with
    the fields before and after."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "view_history", case):
        return refusal
    log_access(request, case, AccessKind.VIEW, "change history")
    page = Paginator(case_changes(case), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "case": case,
        "page": page,
        "tracked_records": tracked_records(),
        "may_see_log": policy.permits(request.user, "view_access_log", case),
    }
    return render(request, "cases/history.html", context)


# --- per-case grants (coordinator, officer) --------------------------------------------------


KIND_CHOICES = [(DEPUTY, gettext_lazy("deputy case manager")), (SHARED, gettext_lazy("read access"))]


def grantee_choices(exclude: User) -> tuple[list[tuple], dict[int, User]]:
    """The active users with a casework role today, with their roles (one query)."""
    memberships = (
        Membership.objects.active()
        .filter(user__is_active=True, role__in=INTAKE_ROLES)
        .exclude(user=exclude)
        .select_related("user", "region", "theme", "institution")
        .order_by("user__last_name", "user__first_name", "user_id", "role", "pk")
    )
    users: dict[int, User] = {}
    roles: dict[int, list[str]] = {}
    for m in memberships:
        users.setdefault(m.user_id, m.user)
        roles.setdefault(m.user_id, []).append(str(m))
    choices = [("", _("— choose a person —"))]
    choices += [(pk, f"{user} · {'; '.join(roles[pk])}") for pk, user in users.items()]
    return choices, users


class GrantForm(SafeForm):
    """Give one person access to this case until a date (the action checks the rules)."""

    user = forms.TypedChoiceField(
        label=gettext_lazy("Person"),
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("A deputy case manager must be an IIZ contact person."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of access"), choices=KIND_CHOICES, initial=SHARED, widget=forms.RadioSelect)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"), widget=date_input(), help_text=gettext_lazy("At most one year from today.")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. holidays of the case manager")}),
    )

    def __init__(self, *args, choices: list[tuple], users: dict[int, User], **kwargs):
        kwargs.setdefault("prefix", "grant")
        super().__init__(*args, **kwargs)
        self.users = users
        self.fields["user"].choices = choices
        today = timezone.localdate()
        self.fields["valid_until"].widget.attrs.update(
            min=today.isoformat(), max=(today + datetime.timedelta(days=actions.MAX_GRANT_DAYS)).isoformat()
        )
        self.fields["valid_until"].initial = today + datetime.timedelta(days=14)

    def grantee(self) -> User:
        return self.users[self.cleaned_data["user"]]


def _grant_form(user: User, data=None) -> GrantForm:
    choices, users = grantee_choices(exclude=user)
    return GrantForm(data, choices=choices, users=users)


def audit_card(request: HttpRequest, case: Case, grants: list[CaseGrant]) -> dict:
    """What the "Access and audit" card of the case page shows this user: the links, and for
    the coordinator and the officer the ``grants`` in force (loaded with the case) with the
    link to the form that gives one (its list of people is built on its own page, not here)."""
    user = request.user
    may_manage = policy.permits(user, "revoke_access", case)
    card = {
        "may_see_history": policy.permits(user, "view_history", case),
        "may_see_log": policy.permits(user, "view_access_log", case),
        "may_manage": may_manage,
        "grants": [],
        "may_give": False,
    }
    if may_manage:
        card["grants"] = grants
        for grant in card["grants"]:
            grant.kind_label = grant_label(grant.permission.codename)
        card["may_give"] = bool(policy.may(user, "give_access", case))
    card["show"] = card["may_see_history"] or card["may_see_log"] or may_manage
    return card


@require_http_methods(["GET", "POST"])
def grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Give access to the case (the coordinator or the officer): as deputy case manager, or
    to read it, until a date. The form is a page of its own, linked from the case page's
    "Access and audit" card."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "give_access", case):
        return refusal
    if request.method == "GET":
        log_access(request, case, AccessKind.VIEW, "access form")
        return render(request, "cases/grant_form.html", {"case": case, "form": _grant_form(request.user)})
    form = _grant_form(request.user, request.POST)
    if not form.is_valid():
        return render(request, "cases/grant_form.html", {"case": case, "form": form}, status=200)
    data = form.cleaned_data
    grantee = form.grantee()
    try:
        actions.grant_access(
            case,
            by=request.user,
            user=grantee,
            permission=data["kind"],
            valid_until=data["valid_until"],
            reason=data["reason"].strip(),
        )
    except (ActionRefused, CaseConflict) as error:
        return refused(request, case, error)
    messages.success(
        request,
        _("%(user)s now has access to this case (%(kind)s) until %(date)s.")
        % {
            "user": grantee,
            "kind": grant_label(data["kind"]),
            "date": date_format(data["valid_until"], "SHORT_DATE_FORMAT"),
        },
    )
    return _back_to_access(case)


@require_POST
def revoke_grant(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    """End a per-case grant before its date (the coordinator or the officer)."""
    case = get_case_for_user(request.user, pk)
    try:
        actions.revoke_access(case, by=request.user, grant_id=grant_id)
    except (ActionRefused, CaseConflict) as error:
        return refused(request, case, error)
    messages.success(request, _("The access was revoked."))
    return _back_to_access(case)
