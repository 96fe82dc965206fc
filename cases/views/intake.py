"""Report a case (CII101 step 1), detecting likely duplicates of the person."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import actions
from cases.actions import ActionRefused
from cases.flow import policy  # noqa: F401
from cases.intake import DuplicateChoiceForm, PersonForm, ReportForm
from cases.models import Case
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
    candidates = list(
        actions.likely_duplicates(
            ahv_number=data["ahv_number"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
        )
    )
    person = person_form.instance
    if candidates:
        open_cases = [c for p in candidates for c in p.cases.all() if c.state not in FINAL_STATES]
        same_ahv = any(data["ahv_number"] and p.ahv_number == data["ahv_number"] for p in candidates)
        choice_form = DuplicateChoiceForm(
            request.POST if "duplicate_choice" in request.POST else None, candidates=candidates, allow_new=not same_ahv
        )
        visible = set(
            Case.objects.visible_to(request.user).filter(pk__in=[c.pk for c in open_cases]).values_list("pk", flat=True)
        )
        context.update(candidates=candidates, open_cases=open_cases, visible_case_ids=visible, choice_form=choice_form)
        if open_cases or not choice_form.is_valid():
            return render(request, "cases/intake.html", context, status=409 if open_cases else 200)
        choice = choice_form.cleaned_data["duplicate_choice"]
        if choice != DuplicateChoiceForm.NEW:
            person = next(p for p in candidates if str(p.pk) == choice)

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
