"""Report a case (CII101 step 1), detecting likely duplicates of the person."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import actions
from cases.actions import ActionRefused
from cases.audit.access import log_access, log_access_many
from cases.flow import policy  # noqa: F401
from cases.intake import DuplicateChoiceForm, PersonForm, ReportForm, likely_duplicates
from cases.models import AccessKind, Case, Person
from cases.models.case import FINAL_STATES
from cases.views import denied


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "report_case"):
        return refusal
    if request.method != "POST":
        context = {"person_form": PersonForm(prefix="person"), "report_form": ReportForm(prefix="report", user=request.user)}
        return render(request, "cases/intake.html", context)

    person_form = PersonForm(request.POST, prefix="person")
    report_form = ReportForm(request.POST, prefix="report", user=request.user)
    context = {"person_form": person_form, "report_form": report_form}
    if not (person_form.is_valid() and report_form.is_valid()):
        return render(request, "cases/intake.html", context, status=400)

    data = person_form.cleaned_data
    candidates = likely_duplicates(
        ahv_number=data["ahv_number"], first_name=data["first_name"], last_name=data["last_name"], birth_date=data["birth_date"]
    )
    person = person_form.instance
    if candidates:
        # The reporter learns of a known person only within their scope (the one rule of
        # cases/flow/scope.py); outside it, only that the person is known.
        visible = dict(
            Case.objects.visible_to(request.user).filter(person__in=[p.pk for p in candidates]).values_list("pk", "person_id")
        )
        inside = [p for p in candidates if p.pk in visible.values()]
        outside = [p for p in candidates if p.pk not in visible.values()]
        for p in inside:
            p.visible_cases = [c for c in p.cases.all() if c.pk in visible]
        _log_check(request, data, inside, outside)
        if outside and "duplicate_choice" not in request.POST:
            actions.tell_of_known_person(_latest_cases(outside), by=request.user)
        open_cases = [c for p in inside for c in p.visible_cases if c.state not in FINAL_STATES]
        same_ahv = any(data["ahv_number"] and p.ahv_number == data["ahv_number"] for p in candidates)
        choice_form = DuplicateChoiceForm(
            request.POST if "duplicate_choice" in request.POST else None, candidates=inside, allow_new=not same_ahv
        )
        known_elsewhere_same_ahv = any(data["ahv_number"] and p.ahv_number == data["ahv_number"] for p in outside)
        context.update(
            candidates=inside,
            known_elsewhere=bool(outside),
            known_elsewhere_same_ahv=known_elsewhere_same_ahv,
            open_cases=open_cases,
            choice_form=choice_form,
        )
        if open_cases or known_elsewhere_same_ahv:
            return render(request, "cases/intake.html", context, status=409)
        if not choice_form.is_valid():
            return render(request, "cases/intake.html", context)
        choice = choice_form.cleaned_data["duplicate_choice"]
        if choice != DuplicateChoiceForm.NEW:
            person = next(p for p in inside if str(p.pk) == choice)
    else:
        _log_check(request, data, [], [])

    report = report_form.cleaned_data
    try:
        case = actions.report_case(
            by=request.user,
            person=person,
            reporting_institution=report["reporting_institution"],
            institutions=report["institutions"],
            region=report["region"],
            theme=report["theme"],
            reason=report["reason"],
            seen_persons=[p.pk for p in candidates],
        )
    except ActionRefused as error:
        context["errors"] = error.reasons
        return render(request, "cases/intake.html", context, status=400)
    messages.success(request, _("Case %(reference)s reported.") % {"reference": case.reference})
    if case.institutions.count() < 2:
        messages.warning(
            request, _("Only one institution is involved: an IIZ case usually involves at least two. Add the others when known.")
        )
    if not Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        # Reported for another region or institution: the coordinator there takes it on.
        return HttpResponseRedirect(reverse("cases:list"))
    return HttpResponseRedirect(case.get_absolute_url())


def _latest_case(person: Person) -> Case | None:
    return max(person.cases.all(), key=lambda case: (case.reported_at, case.pk), default=None)


def _latest_cases(persons: list[Person]) -> list[Case]:
    return [case for case in map(_latest_case, persons) if case is not None]


def _log_check(request: HttpRequest, data: dict, inside: list[Person], outside: list[Person]) -> None:
    """Every duplicate check goes to the access log: what was looked for, and for each
    person found the latest case, shown to the reporter or not (outside the scope)."""
    looked_for = "intake check: {last_name}, {first_name}, {birth}, {ahv}".format(
        last_name=data["last_name"],
        first_name=data["first_name"],
        birth=data["birth_date"].isoformat() if data["birth_date"] else "",
        ahv=data["ahv_number"] or "-",
    )
    shown, not_shown = _latest_cases(inside), _latest_cases(outside)
    if not shown and not not_shown:  # no match (or only persons without a case)
        log_access(request, None, AccessKind.MATCH, f"{looked_for}; no match")
        return
    log_access_many(request, shown, AccessKind.MATCH, f"{looked_for}; shown")
    log_access_many(request, not_shown, AccessKind.MATCH, f"{looked_for}; outside the scope, not shown")
