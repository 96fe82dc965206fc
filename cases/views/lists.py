"""The case list: scoped, filtered, searched and paginated (one page and its htmx partial)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.filters import CaseFilterForm
from cases.models import Case
from cases.permissions import can_report
from roles.access import CASEWORK_ROLES

PAGE_SIZE = 25


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    cases = (
        form.filter(Case.objects.visible_to(request.user))
        .select_related("person", "region", "theme", "case_manager")
        .order_by("-reported_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "has_case_role": request.user.has_role(*CASEWORK_ROLES),
        "can_report": can_report(request.user),
    }
    template = "cases/list.html#results" if request.htmx and request.htmx.target == "case-results" else "cases/list.html"
    return render(request, template, context)
