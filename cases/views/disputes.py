"""Disputes between the institutions of a case (seed 004): the form to record one, the
dispute's page with the form of each step the user may take now, the POST of a step, and the
list of the open disputes (escalated first) for the officer and the coordinators.

The pages load the case through the scope (404 outside it), ask the policy (the "disputes"
entries of cases/flow/policy.py) and call one action of cases/disputes/actions.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.audit.access import log_access
from cases.disputes import actions, queries
from cases.disputes.forms import STEP_FORMS, DisputeForm
from cases.models import AccessKind, Dispute
from cases.views import denied, forbidden, get_case_for_user
from cases.views.paging import page_of
from cases.views.steps import FORM_PAGE, _attempt, _on_fields, _page

PER_PAGE = 50

# The action of each step, called with the cleaned data of its form (same names).
STEP_ACTIONS = {
    "record_dispute_exchange": actions.record_exchange,
    "settle_dispute": actions.settle_dispute,
    "escalate_dispute": actions.escalate_dispute,
    "take_dispute_position": actions.take_dispute_position,
    "refer_dispute": actions.refer_dispute_to_commission,
}
STEP_DONE = {
    "record_dispute_exchange": gettext_lazy(
        "The meeting is recorded. Record now whether the dispute is settled, or escalate it."
    ),
    "settle_dispute": gettext_lazy("The dispute is settled."),
    "escalate_dispute": gettext_lazy("The dispute is escalated to the cantonal officer."),
    "take_dispute_position": gettext_lazy("Your position is recorded: the dispute is settled."),
    "refer_dispute": gettext_lazy("The dispute is referred to the legal commission."),
}


def dispute_url(dispute: Dispute) -> str:
    return reverse("cases:dispute", args=[dispute.case_id, dispute.pk])


@FORM_PAGE
def new_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator records a dispute between institutions of the case."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "record_dispute", case):
        return refusal
    reasons: list[str] = []
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if form.is_valid():
            created: list[Dispute] = []
            refusal = _attempt(lambda: created.append(actions.record_dispute(case, by=request.user, **form.cleaned_data)))
            if refusal is None:
                messages.success(request, _("The dispute is recorded. Hold a regional exchange or a coordination meeting."))
                return redirect(dispute_url(created[0]))
            if refusal.forbidden:
                return forbidden(request, refusal.reasons)
            reasons = _on_fields(refusal, form)
    else:
        form = DisputeForm(initial={"institutions": list(case.institutions.values_list("pk", flat=True))})
    return _page(request, "cases/forms/dispute.html", case, _("Record a dispute"), None, form=form, reasons=reasons)


def _dispute_page(request: HttpRequest, case, dispute: Dispute, bound=None, reasons=()) -> HttpResponse:
    """The dispute with its steps; the form of each step the user may take now (``bound``:
    the step's form sent back with its errors)."""
    names = queries.steps_for(dispute, request.user)
    step_forms = [(name, bound[1] if bound and bound[0] == name else STEP_FORMS[name](prefix=name)) for name in names]
    context = {
        "case": case,
        "dispute": dispute,
        "step_forms": step_forms,
        "reasons": list(reasons),
        "failed_step": bound[0] if bound else "",
    }
    return render(request, "cases/dispute.html", context)


@require_GET
def dispute_detail(request: HttpRequest, pk: int, dispute_pk: int) -> HttpResponse:
    """A dispute, its steps so far and what the user may do next."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "view_disputes", case):
        return refusal
    dispute = queries.get_dispute(case, dispute_pk)
    log_access(request, case, AccessKind.VIEW, "dispute")
    return _dispute_page(request, case, dispute)


@require_POST
def dispute_step(request: HttpRequest, pk: int, dispute_pk: int, step: str) -> HttpResponse:
    """Take one step of a dispute (the form of the dispute page)."""
    if step not in STEP_ACTIONS:
        raise Http404
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, step, case):
        return refusal
    dispute = queries.get_dispute(case, dispute_pk)
    form = STEP_FORMS[step](request.POST, prefix=step)
    reasons: list[str] = []
    if form.is_valid():
        refusal = _attempt(lambda: STEP_ACTIONS[step](dispute, by=request.user, **form.cleaned_data))
        if refusal is None:
            messages.success(request, STEP_DONE[step])
            return redirect(dispute_url(dispute))
        if refusal.forbidden:
            return forbidden(request, refusal.reasons)
        reasons = _on_fields(refusal, form)
        dispute = queries.get_dispute(case, dispute_pk)
        if step not in queries.steps_for(dispute, request.user):
            # Someone took another step first, or the dispute's state does not allow it.
            for reason in reasons:
                messages.error(request, reason)
            return redirect(dispute_url(dispute))
    return _dispute_page(request, case, dispute, bound=(step, form), reasons=reasons)


@require_GET
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The open disputes of the cases the user sees, escalated ones first."""
    if refusal := denied(request, "list_disputes"):
        return refusal
    page = page_of(request, queries.open_disputes(request.user), PER_PAGE)
    return render(request, "cases/disputes.html", {"page": page, "disputes": list(page.object_list)})
