"""Views of the cases app: thin functions that load what the page needs through the one
scoping rule, call one action, and redirect or render.

Modules: lists.py (case list), intake.py (report a case), detail.py (case page, plan
versions and diff, process diagram), records.py (forms for steps and records).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from cases.actions import ActionRefused, CaseConflict
from cases.models import Case


def get_case_for_user(user, pk: int, queryset=None) -> Case:
    """The case if ``user`` may see it; 404 otherwise (the same answer as "does not exist")."""
    base = queryset if queryset is not None else Case.objects.select_related("person", "region", "theme")
    return get_object_or_404(base.visible_to(user), pk=pk)


def forbidden(request: HttpRequest, reasons: list[str]) -> HttpResponse:
    """403 with the reasons, for a user inside the case's scope whose role does not allow the step."""
    html = render_to_string("403.html", {"reasons": reasons}, request=request)
    return HttpResponseForbidden(html)


def refused(request: HttpRequest, case: Case, error: ActionRefused | CaseConflict) -> HttpResponse:
    """Answer a refused action: 403 when the role does not allow it; otherwise back to the
    case page with the reasons shown."""
    if isinstance(error, ActionRefused) and error.forbidden:
        return forbidden(request, error.reasons)
    reasons = error.reasons if isinstance(error, ActionRefused) else [str(error.message)]
    for reason in reasons:
        messages.error(request, reason)
    return HttpResponseRedirect(case.get_absolute_url())
