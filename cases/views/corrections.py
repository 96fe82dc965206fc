"""Correcting a case as reality changes: the person's data, the facts of the case, and a new
case manager. Each page asks the policy, calls one action and keeps the user's input when
the action refuses; a form loaded before someone else saved shows what they saved
(cases/audit/versions.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cases import actions, forms
from cases.audit.versions import StaleEdit, version_of
from cases.models import Case
from cases.views import denied, forbidden
from cases.views.steps import FORM_PAGE, _attempt, _load, _page
from roles.models import Membership, Role, User


def _save(request: HttpRequest, case: Case, form, action: Callable[[], Any], success: str):
    """Run the page's action: done → message and back to the case; refused → 403 for the
    role, else the reasons, and for a stale form what the other person saved."""
    refusal = _attempt(action)
    if refusal is None:
        messages.success(request, success)
        return redirect(case), {}
    if refusal.forbidden:
        return forbidden(request, refusal.reasons), {}
    context = {"reasons": refusal.reasons}
    if isinstance(refusal, StaleEdit):
        data = request.POST.copy()
        data["version"] = str(refusal.version)  # saving again, knowingly, replaces their version
        form.data = data
        context["saved_meanwhile"] = refusal.saved
    return None, context


@FORM_PAGE
def edit_person(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the person's names, birth date, AHV number, address, contact and
    correspondence language."""
    case = _load(request, pk)
    if refusal := denied(request, "edit_person", case):
        return refusal
    person = case.person
    context: dict = {}
    if request.method == "POST":
        form = forms.PersonCorrectionForm(request.POST, instance=person)
        if form.is_valid():
            changes, version = form.changes(), form.cleaned_data["version"]
            done, context = _save(
                request,
                case,
                form,
                lambda: actions.correct_person(case, by=request.user, fields=changes, version=version),
                _("The person's data is saved."),
            )
            if done:
                return done
    else:
        form = forms.PersonCorrectionForm(instance=person, initial={"version": version_of(person)})
    return _page(request, "cases/forms/person.html", case, _("Correct the person's data"), None, form=form, **context)


def _coordinators():
    return User.objects.filter(
        pk__in=Membership.objects.active()
        .filter(role__in=[Role.REGIONAL_COORDINATOR, Role.THEMATIC_COORDINATOR])
        .values("user_id"),
        is_active=True,
    ).order_by("last_name", "first_name")


@FORM_PAGE
def edit_case_facts(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the institutions involved, the lead institution, region, theme, coordinator
    and reason of the case."""
    case = _load(request, pk)
    if refusal := denied(request, "edit_case_facts", case):
        return refusal
    context: dict = {}
    if request.method == "POST":
        form = forms.CaseFactsForm(request.POST, instance=Case.objects.get(pk=case.pk), coordinators=_coordinators())
        if form.is_valid():
            changes, version = form.changes(), form.cleaned_data["version"]
            involved = list(form.cleaned_data["institutions"])
            done, context = _save(
                request,
                case,
                form,
                lambda: actions.correct_case_facts(case, by=request.user, fields=changes, institutions=involved, version=version),
                _("The facts of the case are saved."),
            )
            if done:
                return done
    else:
        form = forms.CaseFactsForm(instance=case, coordinators=_coordinators(), initial={"version": version_of(case)})
    return _page(request, "cases/forms/case_facts.html", case, _("Correct the facts of the case"), None, form=form, **context)


@FORM_PAGE
def replace_case_manager(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator, with the team of contact persons, designates another case manager."""
    case = _load(request, pk)
    if refusal := denied(request, "replace_case_manager", case):
        return refusal
    cm_choices, cm_users = forms.contact_person_choices()
    form = forms.ReplaceCaseManagerForm(
        request.POST if request.method == "POST" else None, cm_choices=cm_choices, cm_users=cm_users, current=case.case_manager_id
    )
    context: dict = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, context = _save(
            request,
            case,
            form,
            lambda: actions.replace_case_manager(case, by=request.user, case_manager=data["case_manager"], reason=data["reason"]),
            _("%(user)s is now the case manager.") % {"user": data["case_manager"]},
        )
        if done:
            return done
    return _page(request, "cases/forms/case_manager.html", case, _("Designate another case manager"), 3, form=form, **context)
