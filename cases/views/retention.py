"""The cantonal officer's retention page (cases/retention): the ended cases due for
anonymisation now or within ``SOON_DAYS``, each with its hold; holding a case with a reason
and lifting the hold (``actions.hold_retention`` / ``release_retention``). 403 for the other
roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import actions, retention
from cases.actions import ActionRefused
from cases.forms import RetentionHoldForm
from cases.views import denied, get_case_for_user, refused
from cases.views.paging import page_of

# The page lists the cases due now and those coming due within this many days.
SOON_DAYS = 90
PAGE_SIZE = 50


@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_retention"):
        return refusal
    cases = (
        retention.due_cases(within_days=SOON_DAYS)
        .select_related("person", "region", "retention_hold__held_by")
        .order_by("ended_at", "pk")
    )
    page = page_of(request, cases, PAGE_SIZE)
    rows = [{"case": case, "due_on": retention.due_on(case.ended_at)} for case in page.object_list]
    return render(
        request,
        "cases/retention.html",
        {"page": page, "rows": rows, "years": retention.years(), "soon_days": SOON_DAYS, "form": RetentionHoldForm()},
    )


def _back(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("cases:retention"))


@require_POST
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "hold_retention", case):
        return refusal
    form = RetentionHoldForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    try:
        actions.hold_retention(case, by=request.user, reason=form.cleaned_data["reason"])
    except ActionRefused as error:
        return refused(request, case, error)
    messages.success(request, _("Case %(reference)s is kept past its retention period.") % {"reference": case.reference})
    return _back(request)


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "release_retention", case):
        return refusal
    try:
        actions.release_retention(case, by=request.user)
    except ActionRefused as error:
        return refused(request, case, error)
    messages.success(request, _("The hold of case %(reference)s is lifted.") % {"reference": case.reference})
    return _back(request)
