"""The minimal page of the load benchmark (bench/load.py): what every page costs at least.

Signed in, the same middleware, one query of 25 cases by three columns through the user's
scope, a trivial template; the benchmark gives each page's throughput as a ratio of this
one's. Served only when ``IIZ_BENCH_PAGES`` is on (off by default: the URL does not exist,
and the view answers 404 even if routed)."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.models import Case
from cases.views import denied


@require_GET
def minimal(request: HttpRequest) -> HttpResponse:
    if not settings.IIZ_BENCH_PAGES:
        raise Http404
    if refusal := denied(request, "list_cases"):
        return refusal
    rows = Case.objects.visible_to(request.user).order_by("-reported_at", "-pk").values_list("reference", "state", "reported_at")
    return render(request, "cases/bench_minimal.html", {"rows": rows[:25]})
