"""My tasks: one section per list of waiting work the user's roles have (cases/worklists.py),
each with its count and paged on its own (query parameter: the list's key).

Queries: the counts of every list in one (shared with "My tasks (n)" in the navigation and
kept in the figures' cache until the data change), then one per list that has items, for the
rows of its page; whatever the data size. The lists' HTML is kept in the figures' cache too,
per user, language, day and pages asked for: a page read again before the data change runs
no list query."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from cases import cached, worklists
from cases.views import denied
from cases.views.paging import page_of

TASKS_PAGE_SIZE = 20


@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_my_tasks"):
        return refusal
    user, today = request.user, timezone.localdate()
    counts = worklists.counts(user, today)

    def sections_html() -> str:
        sections = []
        for task_list in worklists.lists_of(user):
            count = counts[task_list.key]
            page = page_of(request, task_list.items(user, today), TASKS_PAGE_SIZE, task_list.key, count)
            rows = [task_list.row(item, today) for item in page.object_list] if count else []
            sections.append({"list": task_list, "count": count, "page": page, "rows": rows})
        return render_to_string("cases/_my_tasks_sections.html", {"sections": sections})

    # The lists' HTML is the user's own (their scope, their language, the pages asked for):
    # kept until the data change, like the counts.
    parts = (user.pk, get_language(), today, sorted(request.GET.lists()))
    context = {
        "sections_html": mark_safe(cached.remember("my_tasks", parts, sections_html)),
        "total": sum(counts.values()),
        "today": today,
        "days": worklists.TASKS_DAYS,
    }
    return render(request, "cases/my_tasks.html", context)
