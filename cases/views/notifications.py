"""The notifications page: what the user was told of their cases, newest first, paged; the
ones shown are marked read (the bell's count follows), and "mark all read" marks the rest.
Every signed-in user has their own, like My tasks and My settings; nobody sees another's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import notifications
from cases.notifications import PAGE_SIZE
from cases.views import denied


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """One page of the user's notifications (a count, the page with who acted), then the
    shown unread ones are marked read: a fixed number of queries whatever their number."""
    if refusal := denied(request, "view_notifications"):
        return refusal
    page = Paginator(notifications.for_page(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {"notification": n, "text": notifications.text(n), "url": notifications.url(n), "is_new": n.read_at is None}
        for n in page.object_list
    ]
    notifications.mark_read(request.user, list(page.object_list))
    return render(request, "cases/notifications.html", {"page": page, "items": items})


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "mark_notifications_read"):
        return refusal
    marked = notifications.mark_read(request.user)
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return HttpResponseRedirect(reverse("cases:notifications"))
