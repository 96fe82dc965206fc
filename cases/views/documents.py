"""Downloads of a case's documents as PDF (cases/documents/rendering.py), each in the person's
correspondence language: the action plan of one version, the exit report, the closure letter,
the power of attorney form to sign, the minutes of one review.

Anyone who may see the case may download them (the secretariat prints and mails them);
every download is written to the access log.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, override
from django.views.decorators.http import require_GET

from cases.audit.access import log_access
from cases.documents import rendering
from cases.models import AccessKind, ActionPlan, Case, Closure, ExitReport, Review
from cases.views import get_case_for_user


def _case(request: HttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk, queryset=Case.objects.select_related("person", "coordinator", "case_manager"))


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """The PDF as an attachment that no cache keeps."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _filename(case: Case, kind: str, suffix: str = "") -> str:
    """``IIZ-2026-00042-aktionsplan-v2.pdf``: the kind named in the person's language."""
    with override(rendering.person_language(case)):
        word = {
            "plan": gettext("action-plan"),
            "exit": gettext("exit-report"),
            "closure": gettext("closure-letter"),
            "poa": gettext("power-of-attorney"),
            "review": gettext("review-minutes"),
        }[kind]
    return f"{case.reference}-{word}{suffix}.pdf"


@require_GET
def plan_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """One version of the action plan: the version and its case (through the user's scope)
    in one query, with what the document prints of them."""
    plans = ActionPlan.objects.select_related(
        "case__person", "case__coordinator", "case__case_manager", "case__resources_sheet", "submitted_by", "validator"
    )
    plan = get_object_or_404(plans.filter(case__in=Case.objects.visible_to(request.user)), case_id=pk, version=version)
    case = plan.case
    pdf = rendering.action_plan_pdf(plan)
    log_access(request, case, AccessKind.DOWNLOAD, detail=f"action plan v{version} (PDF)")
    return pdf_response(pdf, _filename(case, "plan", f"-v{version}"))


@require_GET
def exit_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        report = ExitReport.objects.select_related("author", "other_service", "power_of_attorney").get(case=case)
    except ExitReport.DoesNotExist:
        raise Http404 from None
    report.case = case
    pdf = rendering.render_exit_report(report)
    log_access(request, case, AccessKind.DOWNLOAD, detail="exit report (PDF)")
    return pdf_response(pdf, _filename(case, "exit"))


@require_GET
def closure_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        closure = Closure.objects.select_related("closed_by").get(case=case)
    except Closure.DoesNotExist:
        raise Http404 from None
    closure.case = case
    pdf = rendering.render_closure_letter(closure)
    log_access(request, case, AccessKind.DOWNLOAD, detail="closure letter (PDF)")
    return pdf_response(pdf, _filename(case, "closure"))


@require_GET
def poa_form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    pdf = rendering.render_power_of_attorney_form(case)
    log_access(request, case, AccessKind.DOWNLOAD, detail="power of attorney form (PDF)")
    return pdf_response(pdf, _filename(case, "poa"))


@require_GET
def review_pdf(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        review = Review.objects.select_related("author", "power_of_attorney").get(case=case, pk=review_pk)
    except Review.DoesNotExist:
        raise Http404 from None
    review.case = case
    pdf = rendering.render_review_minutes(review)
    log_access(request, case, AccessKind.DOWNLOAD, f"review minutes of {review.held_on:%Y-%m-%d} (PDF)")
    return pdf_response(pdf, _filename(case, "review", f"-{review.held_on:%Y-%m-%d}"))
