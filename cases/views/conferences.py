"""The conferences (Tagungen): the list (with the organisers' form for a new one), a
conference with its registrations, registering oneself or (the organisers) someone else,
and the list of participants as a PDF (cases/conferences.py writes, the policy decides)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import conferences
from cases.accounting.forms import ConferenceForm, RegisterOtherForm
from cases.actions import ActionRefused
from cases.documents import rendering
from cases.flow import policy
from cases.models import Conference, Registration
from cases.views import denied, forbidden
from cases.views.documents import pdf_response
from roles.models import User


def _listed(user):
    mine = Registration.objects.filter(conference=OuterRef("pk"), participant=user)
    return Conference.objects.annotate(registered=Count("registrations"), is_mine=Exists(mine))


@require_http_methods(["GET", "POST"])
def conference_list(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "register_for_conference"):
        return refusal
    may_organise = policy.permits(request.user, "organise_conferences")
    form = ConferenceForm(request.POST or None) if may_organise else None
    if request.method == "POST":
        if refusal := denied(request, "organise_conferences"):
            return refusal
        if form.is_valid():
            try:
                conference = conferences.save_conference(form.instance, by=request.user)
            except ActionRefused as error:
                for reason in error.reasons:
                    form.add_error(None, reason)
            else:
                messages.success(request, _("The conference was saved."))
                return redirect("cases:conference", pk=conference.pk)
    today = timezone.localdate()
    rows = list(_listed(request.user).order_by("held_on", "pk"))
    context = {
        "upcoming": [c for c in rows if c.held_on >= today],
        "past": [c for c in rows if c.held_on < today][::-1],
        "form": form,
    }
    return render(request, "conferences/list.html", context)


@require_GET
def conference(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := denied(request, "register_for_conference"):
        return refusal
    conference = get_object_or_404(_listed(request.user).select_related("created_by"), pk=pk)
    may_organise = policy.permits(request.user, "organise_conferences")
    context = {
        "conference": conference,
        "may_organise": may_organise,
        "registrations": list(conference.registrations.select_related("participant", "registered_by")) if may_organise else [],
        "other_form": RegisterOtherForm(conference=conference) if may_organise else None,
        "full": conference.capacity is not None and conference.registered >= conference.capacity,
    }
    return render(request, "conferences/detail.html", context)


@require_POST
def conference_register(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """``what``: "register" or "unregister"; a ``participant`` in the form is someone else
    (the organisers' work)."""
    if what not in ("register", "unregister"):
        raise Http404
    if refusal := denied(request, "register_for_conference"):
        return refusal
    conference = get_object_or_404(Conference, pk=pk)
    participant = None
    if request.POST.get("participant"):
        if refusal := denied(request, "organise_conferences"):
            return refusal
        participant_id = request.POST["participant"]
        participant = User.objects.filter(pk=participant_id, is_active=True).first() if participant_id.isdigit() else None
        if participant is None:
            messages.error(request, _("Choose a participant."))
            return redirect("cases:conference", pk=pk)
    action = conferences.register if what == "register" else conferences.unregister
    try:
        action(conference, by=request.user, participant=participant)
    except ActionRefused as error:
        if error.forbidden:
            return forbidden(request, error.reasons)
        for reason in error.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, _("Registered.") if what == "register" else _("Unregistered."))
    return redirect("cases:conference", pk=pk)


@require_GET
def participants_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := denied(request, "print_participants"):
        return refusal
    conference = get_object_or_404(Conference, pk=pk)
    language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("de", "fr") else "de"
    return pdf_response(rendering.render_participants(conference, language=language), f"{_('participants')}-{conference.pk}.pdf")
