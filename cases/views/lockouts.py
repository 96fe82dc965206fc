"""The cantonal officer's page of locked logins (iiz/lockout.py): the usernames and addresses
locked after failed logins, and the lifting of a lock before the cool-off ends (logged). 403
for the other roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.forms import UnlockForm
from cases.views import denied
from iiz import lockout


@require_GET
def locked_logins(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "unlock_logins"):
        return refusal
    return render(request, "cases/locked_logins.html", {"locks": lockout.locks()})


@require_POST
def unlock_login(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "unlock_logins"):
        return refusal
    form = UnlockForm(request.POST)
    if form.is_valid() and lockout.unlock(by=request.user, **form.cleaned_data):
        messages.success(request, _("The lock is lifted: the next login is counted afresh."))
    else:
        messages.info(request, _("This lock has ended already."))
    return HttpResponseRedirect(reverse("cases:locked_logins"))
