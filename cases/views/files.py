"""The files of a case (cases/models/files.py): the list, downloads, attachments, the signed
scans (the plan of one version, the power of attorney, the copy of the closure letter) and
their withdrawal.

Everyone who may see the case sees its files and downloads them; every download goes to
the access log. Filing and withdrawing is for the secretariat, the case manager, the
coordinator and the cantonal officer (the policy's ``file_documents``): 403 for the other
roles, 404 outside the case's scope. Files are served only here, never from a public URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import actions
from cases.audit.access import log_access
from cases.documents import uploads
from cases.flow import policy
from cases.models import AccessKind, ActionPlan, Case, CaseFile, Closure
from cases.models.plans import FROZEN_STATUSES
from cases.views import denied, forbidden, get_case_for_user
from cases.views.paging import page_of
from cases.views.steps import _attempt
from iiz.http import safe_next_url

logger = logging.getLogger(__name__)
FORM_PAGE = require_http_methods(["GET", "POST"])
FILES_PAGE_SIZE = 50


def _case(request: HttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk, queryset=Case.objects.select_related("person", "case_manager", "coordinator"))


def _next_url(request: HttpRequest, case: Case) -> str:
    """Where to go after filing: the page the user came from (the print queue, the files
    page) when it is one of ours, else the case."""
    return safe_next_url(request, fallback=case.get_absolute_url())


def _file(request: HttpRequest, case: Case, action: Callable[[], Any], success: str) -> HttpResponse | list[str]:
    """Run the page's one action: done → message and back; refused → 403 when the role may
    not, else the reasons to show above the form."""
    target = _next_url(request, case)  # before the action: nothing after it may fail
    refusal = _attempt(action)
    if refusal is None:
        messages.success(request, success)
        return HttpResponseRedirect(target)
    if refusal.forbidden:
        return forbidden(request, refusal.reasons)
    return refusal.reasons


def _form_page(request: HttpRequest, case: Case, title: str, form, **context) -> HttpResponse:
    if request.method == "GET":
        log_access(request, case, AccessKind.VIEW, "file upload form")
    return render(
        request,
        "cases/forms/upload.html",
        {
            "case": case,
            "page_title": title,
            "form": form,
            "step": context.pop("step", None),
            "reasons": [],
            "invalid": request.method == "POST" and form.is_bound and not form.is_valid(),
            "next": _next_url(request, case),
            **context,
        },
    )


def _not_now(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(case)


# --- the list and the downloads -----------------------------------------------------------


@require_GET
def case_files(request: HttpRequest, pk: int) -> HttpResponse:
    """Every file of the case, newest first, withdrawn ones struck out; ``FILES_PAGE_SIZE``
    a page."""
    case = _case(request, pk)
    files = CaseFile.objects.filter(case=case).select_related(
        "uploaded_by", "withdrawn_by", "plan", "power_of_attorney", "closure"
    )
    page = page_of(request, files, FILES_PAGE_SIZE)
    plan = case.plans.exclude(status__in=FROZEN_STATUSES).order_by("-version").first()
    closure = Closure.objects.filter(case=case).first()
    log_access(request, case, AccessKind.VIEW, "files")
    may_withdraw = policy.may(request.user, "withdraw_file", case)
    return render(
        request,
        "cases/files.html",
        {
            "case": case,
            "files": page.object_list,
            "page": page,
            "plan": plan,
            "closure": closure,
            "may_file": policy.may(request.user, "file_documents", case),
            "may_file_copy": policy.may(request.user, "file_closure_letter_copy", case),
            "may_withdraw": may_withdraw,
            "withdraw_form": uploads.WithdrawForm() if may_withdraw else None,
        },
    )


@require_GET
def download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """One file of the case, as an attachment under the name the user gave it (cleaned)."""
    case = _case(request, pk)
    case_file = get_object_or_404(CaseFile, case=case, pk=file_pk)
    try:
        handle = case_file.file.open("rb")
    except (OSError, ValueError):
        logger.error("File %s of case %s is missing from the storage", case_file.file.name, case.reference)
        raise Http404 from None
    log_access(request, case, AccessKind.DOWNLOAD, f"file #{case_file.pk} ({case_file.category})")
    response = FileResponse(handle, as_attachment=True, filename=case_file.original_name, content_type=case_file.content_type)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def withdraw(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    case = _case(request, pk)
    case_file = get_object_or_404(CaseFile, case=case, pk=file_pk)
    case_file.case = case
    if refusal := denied(request, "withdraw_file", case):
        return refusal
    form = uploads.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the file is withdrawn."))
        return redirect("cases:files", case.pk)
    answer = _file(
        request,
        case,
        lambda: actions.withdraw_file(case_file, by=request.user, reason=form.cleaned_data["reason"]),
        _("The file was withdrawn; it stays in the record."),
    )
    if isinstance(answer, HttpResponse):
        return answer
    for reason in answer:
        messages.error(request, reason)
    return redirect("cases:files", case.pk)


# --- filing -------------------------------------------------------------------------------


@FORM_PAGE
def new_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A document about the case: medical report, decision, CV, correspondence, ..."""
    case = _case(request, pk)
    if refusal := denied(request, "file_documents", case):
        return refusal
    reasons: list[str] = []
    form = uploads.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answer = _file(
            request,
            case,
            lambda: actions.add_attachment(
                case, by=request.user, upload=data["file"], category=data["category"], description=data["description"]
            ),
            _("File added."),
        )
        if isinstance(answer, HttpResponse):
            return answer
        reasons = answer
    return _form_page(request, case, _("Add a file"), form, reasons=reasons)


@FORM_PAGE
def signed_plan(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """The scan of one plan version signed by the person and the case manager (CII101
    step 4); the signature dates and place are recorded on the version."""
    case = _case(request, pk)
    plan = get_object_or_404(ActionPlan, case=case, version=version)
    plan.case = case
    if refusal := denied(request, "file_documents", case):
        return refusal
    if plan.is_frozen:
        return _not_now(request, case, plan.frozen_reason)
    reasons: list[str] = []
    today = timezone.localdate()
    initial = {
        "signature_place": plan.signature_place,
        "signed_by_person_on": plan.signed_by_person_on or today,
        "signed_by_cm_on": plan.signed_by_cm_on or today,
    }
    form = uploads.SignedPlanForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answer = _file(
            request,
            case,
            lambda: actions.file_signed_plan(
                plan,
                by=request.user,
                upload=data["file"],
                signature_place=data["signature_place"],
                signed_by_person_on=data["signed_by_person_on"],
                signed_by_cm_on=data["signed_by_cm_on"],
            ),
            _("Signed action plan v%(version)s filed.") % {"version": plan.version},
        )
        if isinstance(answer, HttpResponse):
            return answer
        reasons = answer
    title = _("File the signed action plan v%(version)s") % {"version": plan.version}
    return _form_page(
        request,
        case,
        title,
        form,
        reasons=reasons,
        step=4,
        plan=plan,
        earlier=list(plan.scans.select_related("uploaded_by").order_by("-uploaded_at")),
    )


@FORM_PAGE
def signed_power_of_attorney(request: HttpRequest, pk: int) -> HttpResponse:
    """The scan of a signed power of attorney, attached to the power of attorney recorded
    by the case manager or the coordinator (CII101 step 7)."""
    case = _case(request, pk)
    if refusal := denied(request, "file_documents", case):
        return refusal
    reasons: list[str] = []
    form = uploads.SignedPowerOfAttorneyForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        poa = form.cleaned_data["power_of_attorney"]
        poa.case = case
        answer = _file(
            request,
            case,
            lambda: actions.file_signed_power_of_attorney(poa, by=request.user, upload=form.cleaned_data["file"]),
            _("Signed power of attorney filed."),
        )
        if isinstance(answer, HttpResponse):
            return answer
        reasons = answer
    no_poa = not form.fields["power_of_attorney"].queryset.exists()
    return _form_page(request, case, _("File a signed power of attorney"), form, reasons=reasons, step=7, no_poa=no_poa)


@FORM_PAGE
def closure_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy of the closure letter as it was sent, kept with the archived dossier."""
    case = _case(request, pk)
    closure = Closure.objects.filter(case=case).first()
    if closure is None:
        raise Http404
    closure.case = case
    if refusal := denied(request, "file_closure_letter_copy", case):
        return refusal
    reasons: list[str] = []
    form = uploads.ClosureCopyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        answer = _file(
            request,
            case,
            lambda: actions.file_closure_letter_copy(closure, by=request.user, upload=form.cleaned_data["file"]),
            _("Copy of the closure letter filed."),
        )
        if isinstance(answer, HttpResponse):
            return answer
        reasons = answer
    return _form_page(
        request,
        case,
        _("File the copy of the closure letter"),
        form,
        reasons=reasons,
        step=11,
        letter_url=reverse("cases:closure_letter_pdf", args=[case.pk]),
    )
