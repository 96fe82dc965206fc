"""My tasks: the deadlines of the current user's cases (as case manager or as coordinator)
that are overdue or due within ``TASKS_DAYS``, from the same rules as the reminders
(cases/deadlines/reminders.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.deadlines.reminders import TASKS_DAYS, my_deadlines


@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    items = my_deadlines(request.user, today)
    context = {
        "items": items,
        "overdue": sum(1 for _case, deadline in items if deadline.is_overdue),
        "today": today,
        "days": TASKS_DAYS,
    }
    return render(request, "cases/my_tasks.html", context)
