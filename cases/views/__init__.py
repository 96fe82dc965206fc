"""Views of the cases app: thin functions that load what the page needs through the one
scoping rule, call one action, and redirect or render.

Modules: lists.py (case list), intake.py (report a case), detail.py (case page, plan
versions and diff, process diagram), steps.py (forms for steps and records), files.py,
documents.py (the case's PDFs), printing.py (print queue, letterhead), audit.py (history,
access log, grants), export.py (right of access), dashboards.py, inbox.py (My tasks),
paging.py (lists paged by a query parameter of their own),
employers.py (the partners' employer contacts), retention.py (the cases due for
anonymisation and their holds), lockouts.py (the officer lifts login lock-outs),
notifications.py (the bell's page).

Every view asks the policy (cases/flow/policy.py) before it shows a form or calls an
action: ``denied`` turns a refusal into the answer (403 for the role, a message otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from cases.actions import ActionRefused, CaseConflict
from cases.flow import policy
from cases.models import Case


def get_case_for_user(user, pk: int, queryset=None) -> Case:
    """The case if ``user`` may see it; 404 otherwise (the same answer as "does not exist")."""
    base = queryset if queryset is not None else Case.objects.select_related("person", "region", "theme")
    return get_object_or_404(base.visible_to(user), pk=pk)


def forbidden(request: HttpRequest, reasons: list[str]) -> HttpResponse:
    """403 with the reasons, for a user inside the case's scope whose role does not allow the step."""
    html = render_to_string("403.html", {"reasons": reasons}, request=request)
    return HttpResponseForbidden(html)


def denied(request: HttpRequest, name: str, case: Case | None = None) -> HttpResponse | None:
    """None when the policy lets the user do ``name`` (to ``case``) now; otherwise the
    answer: 403 with the reason when the role may never, else back to the case with the
    reason (the form makes no sense in the case's present state). A transition's guards
    are not asked here: its form page shows them."""
    decision = policy.operation(name).may(request.user, case, conditions=False)
    if decision:
        return None
    if decision.forbidden or case is None:
        return forbidden(request, list(decision.reasons))
    for reason in decision.reasons:
        messages.error(request, reason)
    return HttpResponseRedirect(case.get_absolute_url())


def refused(request: HttpRequest, case: Case, error: ActionRefused | CaseConflict) -> HttpResponse:
    """Answer a refused action: 403 when the role does not allow it; otherwise back to the
    case page with the reasons shown."""
    if isinstance(error, ActionRefused) and error.forbidden:
        return forbidden(request, error.reasons)
    reasons = error.reasons if isinstance(error, ActionRefused) else [str(error.message)]
    for reason in reasons:
        messages.error(request, reason)
    return HttpResponseRedirect(case.get_absolute_url())
