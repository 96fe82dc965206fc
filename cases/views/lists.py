"""The case list: scoped, filtered, searched and paginated (one page and its htmx partial),
and the same list exported as CSV or XLSX (written to the access log)."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.audit.access import log_access, log_access_many
from cases.filters import CaseFilterForm
from cases.flow import policy
from cases.models import AccessKind, Case
from cases.statistics.spreadsheets import Sheet, spreadsheet_response
from cases.views import denied
from cases.views.paging import open_page

PAGE_SIZE = 25
# The list says how many cases it holds up to this number, and "more than" beyond: counting
# every case of a long list would cost more than reading its page.
COUNT_CAP = 1000


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    # The legal commission and the steering boards see no case list (the commission sees its
    # requests, pseudonymised; the boards the statistics).
    if refusal := denied(request, "list_cases"):
        return refusal
    form = CaseFilterForm(request.GET or None)
    cases = (
        form.filter(Case.objects.visible_to(request.user))
        .select_related("person", "region", "theme", "case_manager")
        .order_by("-reported_at", "-pk")
    )
    _log_search(request, form)
    page = open_page(request, cases, PAGE_SIZE, COUNT_CAP)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "has_case_role": policy.permits(request.user, "list_cases"),
        "can_report": policy.permits(request.user, "report_case"),
    }
    template = "cases/list.html#results" if request.htmx and request.htmx.target == "case-results" else "cases/list.html"
    return render(request, template, context)


def _log_search(request: HttpRequest, form: CaseFilterForm) -> None:
    """A search of the cases by name or AHV number goes to the access log, with its text."""
    text = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    if text and request.user.is_authenticated:
        log_access(request, None, AccessKind.SEARCH, f"case list search: {text}")


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


@require_GET
def case_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered list of the cases the user sees, as CSV or XLSX; one access-log row per
    exported case. Invalid filters are refused (400) rather than exporting the whole list."""
    if refusal := denied(request, "list_cases"):
        return refusal
    form = CaseFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
    _log_search(request, form)
    cases = list(
        form.filter(Case.objects.visible_to(request.user))
        .select_related("person", "region", "theme", "reporting_institution", "case_manager", "exit_report")
        .order_by("-reported_at", "-pk")
    )
    header = [
        _("Reference"),
        _("Last name"),
        _("First name"),
        _("Date of birth"),
        _("State"),
        _("Region"),
        _("Theme"),
        _("Reporting institution"),
        _("Case manager"),
        _("Reported"),
        _("Case manager designated"),
        _("Plan validated"),
        _("Exit report submitted"),
        _("Closed"),
        _("Outcome"),
    ]
    rows = []
    for case in cases:
        report = getattr(case, "exit_report", None)
        rows.append(
            [
                case.reference,
                case.person.last_name,
                case.person.first_name,
                case.person.birth_date,
                case.get_state_display(),
                str(case.region),
                str(case.theme or ""),
                str(case.reporting_institution),
                case.case_manager.get_full_name() if case.case_manager else "",
                _local_date(case.reported_at),
                _local_date(case.cm_designated_at),
                _local_date(case.plan_validated_at),
                _local_date(case.exit_reported_at),
                _local_date(case.closed_at),
                report.get_outcome_display() if report and report.outcome else "",
            ]
        )
    log_access_many(
        request, cases, AccessKind.EXPORT, detail=f"case list ({fmt}): {form.data.urlencode() if form.is_bound else ''}"
    )
    filename = f"iiz-cases-{timezone.localdate().isoformat()}"
    return spreadsheet_response(fmt, filename, [Sheet(_("Cases"), header, rows)])
