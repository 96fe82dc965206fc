"""The legal commission and the employment fund (cases/commission/): thin views.

- ``case_funding``, ``new_funding_request``: the funding requests of one case and a new one
  (the case's case manager or coordinator; the officer follows them too).
- ``commission``: the officer's requests to check and every sitting; a member's sittings.
- ``new_sitting``, ``sitting``, ``sitting_held``, ``sitting_minutes``: a sitting, its
  agenda and decisions, its minutes as a PDF in German or French.
- ``funding_request`` and its forms (``send_back``, ``put_on_agenda``, ``decide``,
  ``resubmit``, ``attachment``): one request. The officer and whoever follows the case's
  requests see it whole; a member of the commission sees it pseudonymised
  (cases/commission/members.py), and only once it is on an agenda. Every opening is written
  to the case's access log.
- ``fund``, ``set_budget``, ``record_movement``, ``fund_export``: the fund of a year.

Queries: a fixed number per page, whatever the number of requests and sittings (the lists
are paged or bounded; tests/commission/test_views.py counts them at two sizes).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import inlined
from cases.audit.access import log_access, log_access_many
from cases.commission import actions, fund, members
from cases.commission.forms import (
    AgendaForm,
    BudgetForm,
    DecisionForm,
    FundingRequestForm,
    MovementForm,
    SendBackForm,
    SittingForm,
)
from cases.documents import rendering
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import (
    SCHEDULABLE,
    AccessKind,
    Case,
    CaseFile,
    Decision,
    FundingRequest,
    FundMovement,
    RequestState,
    Sitting,
    SittingState,
)
from cases.statistics.spreadsheets import Sheet, spreadsheet_response
from cases.views import denied, forbidden, get_case_for_user
from cases.views.documents import pdf_response
from cases.views.paging import page_of

FORM_PAGE = require_http_methods(["GET", "POST"])
PAGE_SIZE = 25
# The past sittings listed on the commission's page (the newest first).
PAST_SITTINGS = 20
LANGUAGES = ("de", "fr")


def _attempt(action) -> ActionRefused | None:
    try:
        action()
    except ActionRefused as refusal:
        return refusal
    return None


def _show_reasons(request: HttpRequest, refusal: ActionRefused, form=None) -> None:
    """The reasons of a refusal: next to the form's fields they name, the others above it."""
    for name, reasons in refusal.fields.items():
        if form is not None and name in form.fields:
            for reason in reasons:
                form.add_error(name, reason)
    named = {reason for reasons in refusal.fields.values() for reason in reasons} if form is not None else set()
    for reason in refusal.reasons:
        if reason not in named:
            messages.error(request, reason)


# --- a case's requests -----------------------------------------------------------------------


def _case(request: HttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk, queryset=Case.objects.select_related("person", "region", "theme"))


@require_GET
def case_funding(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if refusal := denied(request, "follow_funding", case):
        return refusal
    requests = list(
        case.funding_requests.select_related("measure", "requester", "sitting")
        .prefetch_related(Prefetch("decisions", queryset=Decision.objects.select_related("sitting")))
        .order_by("-submitted_at", "-pk")
    )
    log_access(request, case, AccessKind.VIEW, "funding requests")
    context = {"case": case, "requests": requests, "may_request": policy.may(request.user, "request_funding", case)}
    return render(request, "commission/case_funding.html", context)


@FORM_PAGE
def new_funding_request(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if refusal := denied(request, "request_funding", case):
        return refusal
    form = FundingRequestForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.request_fields()
        upload = form.cleaned_data.get("attachment")
        done = {}
        refusal = _attempt(
            lambda: done.update(
                request=actions.request_funding(case, by=request.user, uploads=[upload] if upload else [], **data)
            )
        )
        if refusal is None:
            messages.success(request, _("The request was sent to the cantonal officer, who presents it to the commission."))
            return redirect("cases:funding_request", done["request"].pk)
        if refusal.forbidden:
            return forbidden(request, refusal.reasons)
        _show_reasons(request, refusal, form)
    return render(request, "commission/request_form.html", {"case": case, "form": form, "title": _("Ask for funding")})


# --- one request -----------------------------------------------------------------------------


# The request's attachments in force, inlined in its query (cases/inlined.py).
ATTACHMENTS = inlined.Inline(lambda: CaseFile.objects.in_force().filter(funding_request=inlined.outer(FundingRequest)))


def _request(request: HttpRequest, request_pk: int) -> tuple[FundingRequest, str]:
    """The request and how the user sees it: "whole" (the officer, whoever follows the case's
    requests) or "member" (pseudonymised); 404 when the user may not see it at all, 403 when
    they see the case but their role does not follow its requests."""
    user = request.user
    found = get_object_or_404(
        FundingRequest.objects.select_related(
            "case__person",
            "case__region",
            "case__theme",
            "measure__responsible_institution",
            "measure__catalogue_measure",
            "paying_institution",
            "requester",
            "sitting",
        ).annotate(
            # Who may see it, read with it rather than asked after it.
            case_visible=Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))),
            before_members=Exists(members.visible_to_members().filter(pk=OuterRef("pk"))),
            inlined_attachments=ATTACHMENTS.expression(),
        ),
        pk=request_pk,
    )
    found.attachments_in_force = ATTACHMENTS.instances(found.inlined_attachments, key=lambda f: f.pk)
    if policy.permits(user, "prepare_sittings"):
        return found, "whole"
    if found.case_visible:
        decision = policy.may(user, "follow_funding", found.case)
        if decision:
            return found, "whole"
        raise _Refused(decision.reasons)
    if policy.permits(user, "view_sittings") and found.before_members:
        return found, "member"
    raise Http404


class _Refused(Exception):
    def __init__(self, reasons):
        self.reasons = list(reasons)


def _answer_for(view):
    """A view of one request: 403 with the reasons when ``_request`` refuses."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Refused as refused:
            return forbidden(request, refused.reasons)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _request_page(request: HttpRequest, found: FundingRequest, seen_as: str, **forms) -> HttpResponse:
    user = request.user
    case = found.case
    decisions = list(found.decisions.select_related("sitting", "decided_by").prefetch_related("members_present", "recused"))
    attachments = found.attachments_in_force  # read with the request (``_request``)
    prepares = policy.permits(user, "prepare_sittings")
    deciding = seen_as == "member" and policy.permits(user, "decide_funding")
    recused = deciding and members.recuses(user, found)
    context = {
        "funding": found,
        "seen_as": seen_as,
        "decisions": decisions,
        "attachments": attachments,
        "shown": members.pseudonymised(found) if seen_as == "member" else None,
        "case": case if seen_as == "whole" else None,
        "may_prepare": prepares and found.state in SCHEDULABLE,
        "may_resubmit": seen_as == "whole" and found.state == RequestState.RETURNED and policy.may(user, "request_funding", case),
        "may_decide": deciding and found.state == RequestState.ON_AGENDA and not recused,
        "recused": recused and found.state == RequestState.ON_AGENDA,
        "send_back_form": forms.get("send_back_form") or SendBackForm(),
        "agenda_form": forms.get("agenda_form") or AgendaForm(),
    }
    if context["may_decide"]:
        context.update(_decision_context(found, forms.get("decision_form")))
    detail = f"funding request {found.number}" + (" (legal commission, pseudonymised)" if seen_as == "member" else "")
    log_access(request, case, AccessKind.VIEW, detail)
    return render(request, "commission/request.html", context)


def _decision_context(found: FundingRequest, form: DecisionForm | None) -> dict:
    figures = fund.position(found.sitting.held_on.year)
    form = form or DecisionForm(members=members.commission_members(), initial={"amount": found.amount or None})
    return {"decision_form": form, "figures": figures, "fund_year": str(found.sitting.held_on.year)}


@_answer_for
@require_GET
def funding_request(request: HttpRequest, request_pk: int) -> HttpResponse:
    found, seen_as = _request(request, request_pk)
    return _request_page(request, found, seen_as)


@_answer_for
@require_POST
def send_back(request: HttpRequest, request_pk: int) -> HttpResponse:
    found, seen_as = _request(request, request_pk)
    if refusal := denied(request, "prepare_sittings"):
        return refusal
    form = SendBackForm(request.POST)
    if form.is_valid():
        refusal = _attempt(lambda: actions.send_back_request(found, by=request.user, reason=form.cleaned_data["reason"]))
        if refusal is None:
            messages.success(request, _("The request was sent back to the requester."))
            return redirect("cases:funding_request", found.pk)
        _show_reasons(request, refusal, form)
    return _request_page(request, found, seen_as, send_back_form=form)


@_answer_for
@require_POST
def put_on_agenda(request: HttpRequest, request_pk: int) -> HttpResponse:
    found, seen_as = _request(request, request_pk)
    if refusal := denied(request, "prepare_sittings"):
        return refusal
    form = AgendaForm(request.POST)
    if form.is_valid():
        sitting = form.cleaned_data["sitting"]
        refusal = _attempt(lambda: actions.put_on_agenda(found, by=request.user, sitting=sitting))
        if refusal is None:
            messages.success(request, _("The request is on the agenda of the sitting."))
            return redirect("cases:sitting", sitting.pk)
        _show_reasons(request, refusal, form)
    return _request_page(request, found, seen_as, agenda_form=form)


@_answer_for
@require_POST
def decide(request: HttpRequest, request_pk: int) -> HttpResponse:
    found, seen_as = _request(request, request_pk)
    if refusal := denied(request, "decide_funding"):
        return refusal
    form = DecisionForm(request.POST, members=members.commission_members())
    if form.is_valid():
        data = form.cleaned_data
        refusal = _attempt(
            lambda: actions.decide_request(
                found,
                by=request.user,
                outcome=data["outcome"],
                amount=data["amount"],
                conditions=data["conditions"],
                reasons=data["reasons"],
                members_present=list(data["members_present"]),
                confirm_over_budget=data["confirm_over_budget"],
            )
        )
        if refusal is None:
            messages.success(request, _("The decision was recorded; the requester is told."))
            return redirect("cases:sitting", found.sitting_id)
        _show_reasons(request, refusal, form)
    found.refresh_from_db()
    return _request_page(request, found, seen_as, decision_form=form)


@_answer_for
@FORM_PAGE
def resubmit(request: HttpRequest, request_pk: int) -> HttpResponse:
    found, seen_as = _request(request, request_pk)
    case = found.case
    if seen_as != "whole":
        return forbidden(request, [str(policy.operation("request_funding").refusal)])
    if refusal := denied(request, "request_funding", case):
        return refusal
    if found.state != RequestState.RETURNED:
        messages.error(request, _("Only a request that was sent back is submitted again."))
        return redirect("cases:funding_request", found.pk)
    initial = {
        "kind": found.kind,
        "measure": found.measure_id,
        "proposed_measure": found.proposed_measure,
        "amount": found.amount,
        "paying_institution": found.paying_institution_id,
        "no_catalogue_reason": found.no_catalogue_reason,
        "justification": found.justification,
        "disclosure": found.disclosure,
        "disclosure_reason": found.disclosure_reason,
    }
    form = FundingRequestForm(request.POST or None, request.FILES or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("attachment")
        refusal = _attempt(
            lambda: actions.resubmit_request(
                found, by=request.user, fields=form.request_fields(), uploads=[upload] if upload else []
            )
        )
        if refusal is None:
            messages.success(request, _("The request was submitted again."))
            return redirect("cases:funding_request", found.pk)
        _show_reasons(request, refusal, form)
    context = {"case": case, "form": form, "title": _("Submit the request again"), "funding": found}
    return render(request, "commission/request_form.html", context)


@_answer_for
@require_GET
def attachment(request: HttpRequest, request_pk: int, file_pk: int) -> HttpResponse:
    found, _seen_as = _request(request, request_pk)
    case_file = get_object_or_404(CaseFile.objects.in_force(), funding_request=found, pk=file_pk)
    try:
        handle = case_file.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    log_access(request, found.case, AccessKind.DOWNLOAD, f"file #{case_file.pk} of funding request {found.number}")
    response = FileResponse(handle, as_attachment=True, filename=case_file.original_name, content_type=case_file.content_type)
    response["Cache-Control"] = "no-store"
    return response


# --- the commission and its sittings ---------------------------------------------------------


@require_GET
def commission(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_sittings"):
        return refusal
    today = timezone.localdate()
    sittings = Sitting.objects.order_by("-held_on", "-pk")
    upcoming = list(sittings.filter(state=SittingState.SCHEDULED).order_by("held_on", "pk")[:PAGE_SIZE])
    past = list(sittings.filter(state=SittingState.HELD)[:PAST_SITTINGS])
    context = {
        "upcoming": upcoming,
        "past": past,
        "today": today,
        "may_prepare": policy.permits(request.user, "prepare_sittings"),
    }
    if context["may_prepare"]:
        waiting = FundingRequest.objects.filter(state__in=SCHEDULABLE).select_related("case").order_by("submitted_at", "pk")
        context["waiting"] = page_of(request, waiting, PAGE_SIZE, "waiting")
    return render(request, "commission/commission.html", context)


@FORM_PAGE
def new_sitting(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "prepare_sittings"):
        return refusal
    form = SittingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = {}
        refusal = _attempt(lambda: done.update(sitting=actions.schedule_sitting(by=request.user, **form.cleaned_data)))
        if refusal is None:
            messages.success(request, _("The sitting is scheduled: put the checked requests on its agenda."))
            return redirect("cases:sitting", done["sitting"].pk)
        _show_reasons(request, refusal, form)
    return render(request, "commission/sitting_form.html", {"form": form})


def _agenda(sitting: Sitting) -> tuple[list[FundingRequest], list[Decision]]:
    """The requests still on the sitting's agenda and the decisions taken at it (the case's
    reference with each: what a member may see)."""
    waiting = list(
        sitting.requests.filter(state=RequestState.ON_AGENDA)
        .select_related("case__region", "measure", "paying_institution")
        .order_by("agenda_position", "pk")
    )
    decided = list(
        sitting.decisions.select_related("request__case__region", "request__measure", "request__paying_institution")
        .prefetch_related("members_present", "recused")
        .order_by("pk")
    )
    return waiting, decided


@require_GET
def sitting(request: HttpRequest, sitting_pk: int) -> HttpResponse:
    if refusal := denied(request, "view_sittings"):
        return refusal
    found = get_object_or_404(Sitting.objects.select_related("created_by"), pk=sitting_pk)
    waiting, decided = _agenda(found)
    context = {
        "sitting": found,
        "waiting": waiting,
        "decided": decided,
        "present": list(found.members_present.order_by("last_name", "first_name")),
        "may_prepare": policy.permits(request.user, "prepare_sittings"),
        "languages": LANGUAGES,
    }
    return render(request, "commission/sitting.html", context)


@require_POST
def sitting_held(request: HttpRequest, sitting_pk: int) -> HttpResponse:
    if refusal := denied(request, "prepare_sittings"):
        return refusal
    found = get_object_or_404(Sitting, pk=sitting_pk)
    refusal = _attempt(lambda: actions.mark_sitting_held(found, by=request.user))
    if refusal is None:
        messages.success(request, _("The sitting is recorded as held."))
    else:
        _show_reasons(request, refusal)
    return redirect("cases:sitting", found.pk)


@require_GET
def sitting_minutes(request: HttpRequest, sitting_pk: int, language: str) -> HttpResponse:
    if refusal := denied(request, "view_sittings"):
        return refusal
    if language not in LANGUAGES:
        raise Http404
    found = get_object_or_404(Sitting, pk=sitting_pk)
    waiting, decided = _agenda(found)
    pdf = rendering.render_sitting_minutes(found, waiting=waiting, decided=decided, language=language)
    cases = {item.case_id: item.case for item in waiting} | {d.request.case_id: d.request.case for d in decided}
    log_access_many(request, list(cases.values()), AccessKind.DOWNLOAD, f"minutes of the commission's sitting #{found.pk}")
    with translation.override(language):
        name = _("minutes-commission-%(date)s.pdf") % {"date": found.held_on.isoformat()}
    return pdf_response(pdf, name)


# --- the fund --------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _approved() -> object:
    return FundingRequest.objects.filter(state=RequestState.APPROVED).select_related("case").order_by("-pk")


@require_GET
def fund_page(request: HttpRequest) -> HttpResponse:
    return _fund_page(request)


def _fund_page(request: HttpRequest, budget_form=None, movement_form=None) -> HttpResponse:
    if refusal := denied(request, "view_fund"):
        return refusal
    year = _year(request)
    manages = policy.permits(request.user, "manage_fund")
    movements = FundMovement.objects.filter(fund__year=year).select_related("request__case").order_by("-on", "-pk")
    figures, breakdowns = fund.report(year)
    context = {
        "year": year,
        "years": [year - 1, year + 1],
        "figures": figures,
        "breakdowns": breakdowns,
        "movements": page_of(request, movements, PAGE_SIZE, "movements"),
        "may_manage": manages,
    }
    if manages:
        context["budget_form"] = budget_form or BudgetForm(initial={"year": year, "budget": figures.budget})
        context["movement_form"] = movement_form or MovementForm(
            requests=_approved(), initial={"on": timezone.localdate(), "kind": "payment"}
        )
    return render(request, "commission/fund.html", context)


def _fund_post(request: HttpRequest, form, run, success: str) -> HttpResponse:
    if refusal := denied(request, "manage_fund"):
        return refusal
    if form.is_valid():
        refusal = _attempt(lambda: run(form.cleaned_data))
        if refusal is None:
            messages.success(request, success)
            year = form.cleaned_data.get("year") or form.cleaned_data["on"].year
            return HttpResponseRedirect(reverse("cases:fund") + f"?year={year}")
        _show_reasons(request, refusal, form)
    if isinstance(form, BudgetForm):
        return _fund_page(request, budget_form=form)
    return _fund_page(request, movement_form=form)


@require_POST
def set_budget(request: HttpRequest) -> HttpResponse:
    return _fund_post(
        request,
        BudgetForm(request.POST),
        lambda data: actions.set_budget(by=request.user, year=data["year"], budget=data["budget"]),
        _("The budget is set."),
    )


@require_POST
def record_movement(request: HttpRequest) -> HttpResponse:
    return _fund_post(
        request,
        MovementForm(request.POST, requests=_approved()),
        lambda data: actions.record_movement(
            data["request"], by=request.user, kind=data["kind"], amount=data["amount"], on=data["on"], note=data["note"]
        ),
        _("The payment or refund is recorded."),
    )


@require_GET
def fund_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if refusal := denied(request, "view_fund"):
        return refusal
    year = _year(request)
    figures, breakdowns = fund.report(year)
    header = [_("Committed (CHF)"), _("Paid (CHF)"), _("Refunded (CHF)")]
    sheets = [
        Sheet(
            _("Fund %(year)s") % {"year": year},
            [_("Budget (CHF)"), *header, _("Remaining (CHF)")],
            [[figures.budget or 0, figures.committed, figures.paid, figures.refunded, figures.remaining]],
        )
    ]
    for breakdown in breakdowns:
        rows = [[line.label, line.committed, line.paid, line.refunded] for line in breakdown.lines]
        sheets.append(Sheet(breakdown.title, ["", *header], rows))
    return spreadsheet_response(fmt, f"fund-{year}", sheets)
