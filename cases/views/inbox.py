"""My tasks: one section per list of waiting work the user's roles have (cases/worklists.py),
each with its count and paged on its own (query parameter: the list's key).

Queries: the counts of every list in one (shared with "My tasks (n)" in the navigation and
kept in the figures' cache until the data change), then one per list that has items, for the
rows of its page; whatever the data size."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases import worklists
from cases.views import denied
from cases.views.paging import page_of

TASKS_PAGE_SIZE = 20


@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_my_tasks"):
        return refusal
    today = timezone.localdate()
    counts = worklists.counts(request.user, today)
    sections = []
    for task_list in worklists.lists_of(request.user):
        count = counts[task_list.key]
        page = page_of(request, task_list.items(request.user, today), TASKS_PAGE_SIZE, task_list.key, count)
        rows = [task_list.row(item, today) for item in page.object_list] if count else []
        sections.append({"list": task_list, "count": count, "page": page, "rows": rows})
    context = {"sections": sections, "total": sum(counts.values()), "today": today, "days": worklists.TASKS_DAYS}
    return render(request, "cases/my_tasks.html", context)
