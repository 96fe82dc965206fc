"""The partners' employer contacts (CII101 step 4: "Arbeitgeberkontakte der IIZ-Partner"):
searched by the roles that write action plans, on a page of its own (paged, its results
refreshed by htmx as the user types) and from a measure row of the plan form (the picker:
a few matches to link to the measure). The cantonal officer keeps them in the admin."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.flow import policy
from cases.forms import EmployerSearchForm
from cases.models import EmployerContact
from cases.views import denied

PAGE_SIZE = 25
# The matches the picker of a measure row offers: the user types more to narrow them.
PICKS = 8


@require_GET
def employer_list(request: HttpRequest) -> HttpResponse:
    """The page, its results (htmx target ``employer-results``), or the picker's matches
    (``?pick=1``): one query for the page of contacts, one for their count, one for the
    institutions of the form, whatever the number of contacts."""
    if refusal := denied(request, "search_employers"):
        return refusal
    form = EmployerSearchForm(request.GET or None)
    contacts = form.filter(EmployerContact.objects.filter(is_active=True)).select_related("institution")
    contacts = contacts.order_by("company", "city", "pk")
    if request.GET.get("pick"):
        picks = list(contacts[: PICKS + 1]) if form.is_filtered else []
        context = {"form": form, "picks": picks[:PICKS], "more": len(picks) > PICKS}
        return render(request, "cases/employers.html#picks", context)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_manage": policy.permits(request.user, "manage_reference_data"),
    }
    template = (
        "cases/employers.html#results" if request.htmx and request.htmx.target == "employer-results" else "cases/employers.html"
    )
    return render(request, template, context)
