"""Forms for the steps and records of a case (CII101 steps 2 to 11).

Each view loads the case through the scoping rule (404 outside it), answers 403 when the
user's role may not use the form on this case, sends the user back to the case when the
form makes no sense in the case's state, and calls exactly one action. A refused action
shows its reasons above the form, with the input kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm, BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import actions, deadlines, forms, inlined
from cases.actions import ActionRefused, CaseConflict
from cases.audit.access import log_access
from cases.audit.versions import StaleEdit, plan_version, version_of
from cases.documents import rendering
from cases.flow import machine, policy
from cases.models import (
    AccessKind,
    ActionPlan,
    Case,
    ExitReport,
    Goal,
    Measure,
    Meeting,
    PlanStatus,
    PoaCheck,
    ResourcesSheet,
    Review,
    ReviewDecision,
)
from cases.views import denied, forbidden, get_case_for_user, refused

FORM_PAGE = require_http_methods(["GET", "POST"])
# The text typed with a step that was refused (another person took a step first, a rule not
# met): kept in the session for the case page, which shows it once.
KEPT_TEXT = "kept_step_text"


def _cases():
    return Case.objects.select_related("person", "region", "theme", "case_manager", "coordinator", "resources_sheet")


def _load(request: HttpRequest, pk: int) -> Case:
    return get_case_for_user(request.user, pk, queryset=_cases())


_plan = inlined.outer(ActionPlan)
PLAN_GOALS = inlined.Inline(lambda: Goal.objects.filter(plan=_plan))
PLAN_MEASURES = inlined.Inline(
    lambda: Measure.objects.filter(plan=_plan), "responsible_institution", "catalogue_measure", "employer_contact"
)


def _current_plan(case: Case) -> ActionPlan | None:
    """The case's current plan (``case.records.current_plan``) with its goals and measures
    inlined in its query (cases/inlined.py): one query instead of three."""
    plan = (
        case.plans.select_related("author", "submitted_by", "validator")
        .annotate(inlined_goals=PLAN_GOALS.expression(), inlined_measures=PLAN_MEASURES.expression())
        .order_by("-version")
        .first()
    )
    if plan is not None:
        inlined.attach(plan, "goals", PLAN_GOALS.instances(plan.inlined_goals, key=lambda g: (g.position, g.pk)))
        inlined.attach(plan, "measures", PLAN_MEASURES.instances(plan.inlined_measures, key=lambda m: (m.position, m.pk)))
    case.records.current_plan = plan
    return plan


def _not_now(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """The form makes no sense in the case's present state: back to the case, saying why."""
    messages.error(request, message)
    return redirect(case)


def _attempt(action: Callable[[], Any]) -> ActionRefused | None:
    """Run one action; a conflict or a model validation error comes back as a refusal too
    (a validation error keeps the fields it names)."""
    try:
        action()
    except ActionRefused as error:
        return error
    except CaseConflict as error:
        return ActionRefused([str(error.message)])
    except ValidationError as error:
        return ActionRefused.from_validation_error(error)
    return None


def _on_fields(refusal: ActionRefused, *forms_: BaseForm) -> list[str]:
    """Show each reason of ``refusal`` that is about an input next to the field of that
    name in one of ``forms_``; return the other reasons, for the top of the form."""
    placed: set[str] = set()
    for name, reasons in refusal.fields.items():
        form = next((form for form in forms_ if name in form.fields), None)
        if form is not None:
            for reason in reasons:
                form.add_error(name, reason)
            placed.update(reasons)
    return [reason for reason in refusal.reasons if reason not in placed]


def _submit(request: HttpRequest, pk: int, case: Case, action: Callable[[], Any], success: str, form: BaseForm):
    """Run the page's one action. Done: a success message and the case page. Refused: the
    403 page when the role may not, otherwise the reasons for the form page (those about a
    field of ``form`` next to it) and the case loaded again. Returns (response or None,
    reasons, case). A form loaded before someone else saved (StaleEdit): what they saved goes
    to the page (``_page``), and the form's data, when it is a mutable copy, takes the
    record's version now (saving again replaces theirs)."""
    refusal = _attempt(action)
    if refusal is None:
        messages.success(request, success)
        return redirect(case), [], case
    if refusal.forbidden:
        return forbidden(request, refusal.reasons), [], case
    if isinstance(refusal, StaleEdit):
        request.saved_meanwhile, request.stale_version = refusal.saved, refusal.version
    return None, _on_fields(refusal, form), _load(request, pk)


def _has_errors(context: dict) -> bool:
    return any(
        isinstance(value, (BaseForm, BaseFormSet)) and value.is_bound and not value.is_valid() for value in context.values()
    )


def _page(request: HttpRequest, template: str, case: Case, title: str, step: int | None, **context) -> HttpResponse:
    """Render a form page; ``invalid``: show the "correct the fields below" notice. Opening
    the page (GET) is a read of case data: it goes to the access log, e.g. "plan form"."""
    if request.method == "GET":
        log_access(request, case, AccessKind.VIEW, template.rsplit("/", 1)[-1].removesuffix(".html").replace("_", " ") + " form")
    context.setdefault("invalid", request.method == "POST" and not context.get("reasons") and _has_errors(context))
    context.setdefault("saved_meanwhile", getattr(request, "saved_meanwhile", []))
    return render(request, template, {"case": case, "page_title": title, "step": step, "reasons": [], **context})


def _post_data(request: HttpRequest, prefixes: tuple[str, ...]) -> tuple[QueryDict, str | None]:
    """A mutable copy of the POST data, and the formset prefix whose "add" button was used:
    without JavaScript the server adds the empty row (and nothing is saved)."""
    data = request.POST.copy()
    adding = data.get("add_row")
    if adding not in prefixes:
        return data, None
    key = f"{adding}-TOTAL_FORMS"
    with contextlib.suppress(ValueError):  # a broken management form: the formset reports it
        data[key] = str(int(data.get(key) or 0) + 1)
    return data, adding


def _resources_form(request: HttpRequest, case: Case, data: QueryDict | None = None) -> forms.ResourcesSheetForm | None:
    """The person's resources data sheet beside a record's form, when the policy lets the
    user edit it now (None otherwise: the page shows no sheet)."""
    if not policy.may(request.user, "edit_resources", case):
        return None
    return forms.ResourcesSheetForm(data, instance=case.records.resources_sheet or ResourcesSheet(case=case))


def _sheet_valid(form: forms.ResourcesSheetForm | None) -> bool:
    return form is None or form.is_valid()


def _changed_sheet(form: forms.ResourcesSheetForm | None) -> ResourcesSheet | None:
    return form.changed_sheet() if form is not None else None


# --- the generic step ---------------------------------------------------------------------


@require_POST
def take_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A step that needs no page of its own (a button on the case page, sometimes with a
    text: the comment of a validation, the options proposed when sending a plan back)."""
    if name not in machine.simple_steps():
        raise Http404
    case = _load(request, pk)
    text = forms.StepTextForm.text_of(request.POST)
    try:
        actions.simple_step(case, name, by=request.user, text=text)
    except (ActionRefused, CaseConflict) as error:
        if text.strip():  # nothing typed is lost: the case page shows it again
            request.session[KEPT_TEXT] = {"case": case.pk, "step": name, "text": text}
        return refused(request, case, error)
    messages.success(request, _("Done: %(step)s.") % {"step": machine.step(name).label})
    return redirect(case)


# --- round table and assessment (CII101 steps 2, 3) ----------------------------------------


@FORM_PAGE
def edit_meeting(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """The round table (CII102) or assessment (CII104): who came, what was established,
    what was decided and who will be the case manager."""
    case = _load(request, pk)
    meeting = get_object_or_404(
        Meeting.objects.select_related("designated_cm", "lead_institution").prefetch_related("participants__user"),
        case=case,
        pk=meeting_pk,
    )
    meeting.case = case
    if refusal := denied(request, "record_meeting", case):
        return refusal
    participants = list(meeting.participants.all())
    memberships = forms.active_memberships()  # both lists of people from one query
    cm_choices, cm_users = forms.contact_person_choices(memberships)
    user_choices, users = forms.platform_user_choices(also=[p.user for p in participants if p.user_id], memberships=memberships)
    form_kwargs = {"user_choices": user_choices, "users": users}
    reasons: list[str] = []
    adding = None
    if request.method == "POST":
        data, adding = _post_data(request, ("participants",))
        form = forms.MeetingForm(data, instance=meeting, cm_choices=cm_choices, cm_users=cm_users)
        formset = forms.ParticipantFormSet(data, prefix="participants", form_kwargs=form_kwargs)
        resources = _resources_form(request, case, data)
        if not adding and form.is_valid() and formset.is_valid() and _sheet_valid(resources):
            people = [f.participant() for f in forms.kept_forms(formset)]
            sheet = _changed_sheet(resources)
            done, reasons, case = _submit(
                request,
                pk,
                case,
                lambda: actions.save_meeting(
                    form.instance,
                    by=request.user,
                    participants=people,
                    resources=sheet,
                    version=form.cleaned_data["version"],
                ),
                _("%(meeting)s saved.") % {"meeting": meeting.get_kind_display()},
                form,
            )
            if done:
                return done
            if getattr(request, "stale_version", None):
                data["version"] = request.stale_version
    else:
        form = forms.MeetingForm(
            instance=meeting, cm_choices=cm_choices, cm_users=cm_users, initial={"version": version_of(meeting)}
        )
        formset = forms.ParticipantFormSet(
            prefix="participants", form_kwargs=form_kwargs, initial=forms.participants_initial(meeting)
        )
        resources = _resources_form(request, case)
    return _page(
        request,
        "cases/forms/meeting.html",
        case,
        str(meeting.get_kind_display()),
        2,
        form=form,
        formset=formset,
        resources=resources,
        meeting=meeting,
        reasons=reasons,
        **({"invalid": False} if adding else {}),
    )


# --- first meeting and action plan (CII101 step 4) ----------------------------------------


@FORM_PAGE
def first_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The case manager has met the person: the first version of the action plan opens."""
    case = _load(request, pk)
    if refusal := denied(request, "start_plan", case):
        return refusal
    reasons: list[str] = []
    form = forms.FirstMeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["first_meeting_on"]
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.start_plan(case, by=request.user, first_meeting_on=day),
            _("First meeting recorded. The action plan is open: write it with the person."),
            form,
        )
        if done:
            return done
    deadline = deadlines.first_meeting(case, timezone.localdate())
    return _page(
        request,
        "cases/forms/first_meeting.html",
        case,
        _("Record the first meeting"),
        4,
        form=form,
        reasons=reasons,
        due=deadline.due_on if deadline else None,
    )


def _submit_blocked_by(case: Case, *, refresh: bool = False) -> list[str]:
    """What still keeps the plan from being submitted (empty: it can be submitted);
    ``refresh`` after the plan was saved."""
    if refresh:
        case.refresh_records()
    return machine.step("submit_plan").unmet(case)


@FORM_PAGE
def edit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The case manager writes the current version of the action plan with the person:
    goals, measures from the partners' catalogue, the two signatures, and the person's
    resources data sheet brought up to date."""
    case = _load(request, pk)
    if refusal := denied(request, "edit_plan", case):
        return refusal
    plan = _current_plan(case)
    if plan is None or not plan.is_editable:
        return _not_now(request, case, policy.operation("edit_plan").not_now)
    options = forms.MeasureOptions.load(plan)
    measures_kwargs = {"options": options}
    reasons: list[str] = []
    saved_meanwhile = []
    adding = None
    if request.method == "POST":
        # A mutable copy: a catalogue measure fills in the row's empty fields.
        data, adding = _post_data(request, ("goals", "measures"))
        form = forms.PlanForm(data, instance=plan)
        goals = forms.GoalFormSet(data, prefix="goals")
        measures = forms.MeasureFormSet(data, prefix="measures", form_kwargs=measures_kwargs)
        resources = _resources_form(request, case, data)
        if not adding and form.is_valid() and goals.is_valid() and measures.is_valid() and _sheet_valid(resources):
            goal_texts, measure_rows, sheet = goals.goals(), measures.measures(), _changed_sheet(resources)
            version = form.cleaned_data["version"]
            refusal = _attempt(
                lambda: actions.save_plan(
                    form.instance, by=request.user, goals=goal_texts, measures=measure_rows, resources=sheet, version=version
                )
            )
            if refusal is None:
                messages.success(request, _("Action plan v%(version)s saved.") % {"version": plan.version})
                if not _submit_blocked_by(case, refresh=True):
                    messages.info(request, _("The plan is complete and signed: you can now submit it for validation."))
                return redirect(case)
            if refusal.forbidden:
                return forbidden(request, refusal.reasons)
            reasons = _on_fields(refusal, form)
            if isinstance(refusal, StaleEdit):  # keep the input; saving again replaces theirs
                data["version"] = refusal.version
                saved_meanwhile = refusal.saved
            case = _load(request, pk)
            plan = _current_plan(case)
    else:
        form = forms.PlanForm(instance=plan, initial={"version": plan_version(plan)})
        goals = forms.GoalFormSet(prefix="goals", initial=[{"text": g.text} for g in plan.goals_list])
        goals.extra = 1 if plan.goals_list else 2
        measures = forms.MeasureFormSet(
            prefix="measures", form_kwargs=measures_kwargs, initial=[forms.measure_initial(m) for m in plan.measures_list]
        )
        resources = _resources_form(request, case)
    blocked_by = _submit_blocked_by(case) if request.method == "GET" else []
    return _page(
        request,
        "cases/forms/plan.html",
        case,
        _("Action plan v%(version)s") % {"version": plan.version},
        4,
        form=form,
        goals=goals,
        measures=measures,
        resources=resources,
        plan=plan,
        reasons=reasons,
        sent_back=_sent_back_before(case, plan),
        saved_meanwhile=saved_meanwhile,
        meeting=case.records.last_meeting,
        blocked_by=blocked_by,
        **({"invalid": False} if adding else {}),
    )


def _sent_back_before(case: Case, plan: ActionPlan) -> ActionPlan | None:
    """The version sent back that ``plan`` reworks (None: the version before it was not sent back)."""
    if plan.version < 2:
        return None
    return case.plans.select_related("validator").filter(version=plan.version - 1, status=PlanStatus.SENT_BACK).first()


# --- validation of the plan (CII101 step 5) -----------------------------------------------


@FORM_PAGE
def send_back_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator does not validate the submitted plan: the reasons and the other
    options proposed. The version is kept as it was submitted; the case manager reworks the
    next version with the person."""
    case = _load(request, pk)
    if refusal := denied(request, "send_back_plan", case):
        return refusal
    reasons: list[str] = []
    form = forms.SendBackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.send_back_plan(case, by=request.user, reasons=data["reasons"], options=data["options"]),
            _("The plan is sent back. The case manager reworks it as version %(version)s.")
            % {"version": case.records.current_plan.version + 1},
            form,
        )
        if done:
            return done
    return _page(
        request,
        "cases/forms/send_back.html",
        case,
        _("Send the plan back"),
        5,
        form=form,
        reasons=reasons,
        plan=case.records.current_plan,
    )


# --- back to the network (seed 004, case manager) ------------------------------------------


@FORM_PAGE
def ask_network(request: HttpRequest, pk: int) -> HttpResponse:
    """During implementation the case manager asks the coordinator for a network meeting or
    a new assessment, with a reason; the case waits for its result."""
    case = _load(request, pk)
    if refusal := denied(request, "ask_network", case):
        return refusal
    reasons: list[str] = []
    form = forms.AskNetworkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.ask_network(case, by=request.user, kind=data["kind"], reason=data["reason"]),
            _("The coordinator is asked to organise it. Record its result on the case page once it is held."),
            form,
        )
        if done:
            return done
    return _page(request, "cases/forms/ask_network.html", case, _("Back to the network"), 7, form=form, reasons=reasons)


# --- reviews and power of attorney (CII101 step 7) ----------------------------------------


@FORM_PAGE
def new_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A review with the person (the case manager) or with the team of contact persons
    (the coordinator or the case manager): the progress of each measure, the power of
    attorney, the person's resources data sheet brought up to date, and whether the plan
    continues, changes or is finished (steps 7 to 9)."""
    case = _load(request, pk)
    if refusal := denied(request, "record_team_review", case):  # the wider of the two kinds
        return refusal
    kinds = policy.review_kinds(request.user, case)
    plan = _current_plan(case)
    measures = plan.measures_list if plan else []
    review_kwargs = {"kinds": kinds, "may_decide": bool(policy.may(request.user, "decide_at_review", case))}
    reasons: list[str] = []
    today = timezone.localdate()
    if request.method == "POST":
        # A review of this case: the form says the review's own rules on its date (Review.clean).
        form = forms.ReviewForm(request.POST, instance=Review(case=case), **review_kwargs)
        progress = forms.ProgressFormSet(request.POST, prefix="progress", measures=measures)
        resources = _resources_form(request, case, request.POST)
        if form.is_valid() and progress.is_valid() and _sheet_valid(resources) and forms.check_review_decision(form, progress):
            review, rows, poa, sheet = form.instance, progress.progress(), form.new_power_of_attorney(), _changed_sheet(resources)
            refusal = _attempt(
                lambda: actions.record_review(case, by=request.user, review=review, progress=rows, resources=sheet, **poa)
            )
            if refusal is None:
                messages.success(request, _("Review recorded."))
                if review.decision == ReviewDecision.CHANGE_PLAN:
                    messages.info(
                        request, _("A new version of the action plan is open: change it, have it signed and submit it again.")
                    )
                elif review.decision == ReviewDecision.FINISH_PLAN:
                    messages.info(request, _("The plan is finished: write the exit report now."))
                if review.poa_check == PoaCheck.RENEWED:
                    messages.info(request, _("The new power of attorney is recorded: file its signed scan once you have it."))
                return redirect(case)
            if refusal.forbidden:
                return forbidden(request, refusal.reasons)
            reasons = _on_fields(refusal, form)
            case = _load(request, pk)
    else:
        form = forms.ReviewForm(
            instance=Review(case=case),
            initial={"held_on": today, "poa_signed_on": today, "poa_institutions": list(case.institutions.all())},
            **review_kwargs,
        )
        progress = forms.ProgressFormSet(prefix="progress", measures=measures, initial=forms.progress_initial(measures))
        resources = _resources_form(request, case)
    poa = deadlines.power_of_attorney_in_force(case, today)
    return _page(
        request,
        "cases/forms/review.html",
        case,
        _("Record a review"),
        7,
        form=form,
        progress=progress,
        resources=resources,
        reasons=reasons,
        plan=plan,
        poa=poa,
        poa_gap=deadlines.power_of_attorney_gap(poa, today) if poa else "",
        next_review_due=deadlines.next_review_with_person_due(today),
        today=today,
    )


@FORM_PAGE
def edit_resources(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's resources data sheet on a page of its own: an update between the
    records that carry it (round table or assessment, action plan, reviews)."""
    case = _load(request, pk)
    if refusal := denied(request, "edit_resources", case):
        return refusal
    reasons: list[str] = []
    form = _resources_form(request, case, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sheet = form.changed_sheet()
        if sheet is None:
            messages.info(request, _("Nothing changed in the resources data sheet."))
            return redirect(case)
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.save_resources(sheet, by=request.user),
            _("Resources data sheet saved."),
            form,
        )
        if done:
            return done
    return _page(
        request,
        "cases/forms/resources.html",
        case,
        _("Resources data sheet"),
        case.cii101_step,
        resources=form,
        sheet=case.records.resources_sheet,
        reasons=reasons,
    )


@FORM_PAGE
def new_power_of_attorney(request: HttpRequest, pk: int) -> HttpResponse:
    """The person signed a power of attorney (valid one year) for the institutions named."""
    case = _load(request, pk)
    if refusal := denied(request, "record_power_of_attorney", case):
        return refusal
    reasons: list[str] = []
    if request.method == "POST":
        form = forms.PowerOfAttorneyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            done, reasons, case = _submit(
                request,
                pk,
                case,
                lambda: actions.record_power_of_attorney(
                    case, by=request.user, signed_on=data["signed_on"], institutions=data["institutions"]
                ),
                _("Power of attorney recorded."),
                form,
            )
            if done:
                return done
    else:
        form = forms.PowerOfAttorneyForm(
            initial={"signed_on": timezone.localdate(), "institutions": list(case.institutions.all())}
        )
    earlier = list(case.powers_of_attorney.order_by("-signed_on", "-pk")[:3])
    return _page(
        request,
        "cases/forms/power_of_attorney.html",
        case,
        _("Record a power of attorney"),
        7,
        form=form,
        reasons=reasons,
        earlier=earlier,
        today=timezone.localdate(),
    )


# --- interruption, exit report and closure (CII101 steps 10, 11) --------------------------


@FORM_PAGE
def interrupt_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The person refuses, moves away or dies: the support ends, the case goes to the exit
    report with the outcome "interrupted"."""
    case = _load(request, pk)
    if refusal := denied(request, "interrupt", case):
        return refusal
    reasons: list[str] = []
    form = forms.InterruptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.interrupt(case, by=request.user, reason=data["reason"], note=data["note"].strip()),
            _("The case is interrupted. Complete the exit report now."),
            form,
        )
        if done:
            return done
    return _page(request, "cases/forms/interrupt.html", case, _("Interrupt the case"), 10, form=form, reasons=reasons)


@FORM_PAGE
def edit_exit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The case manager writes the result and exit report for the IIZ office; it is
    submitted from the case page once complete."""
    case = _load(request, pk)
    user = request.user
    if refusal := denied(request, "write_exit_report", case):
        return refusal
    report = case.records.exit_report or ExitReport(case=case, author=user)
    report.case = case
    reasons: list[str] = []
    data = request.POST.copy() if request.method == "POST" else None
    form = forms.ExitReportForm(data, instance=report, initial={"version": version_of(report)})
    if request.method == "POST" and form.is_valid():
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.save_exit_report(form.instance, by=user, version=form.cleaned_data["version"]),
            _("Exit report saved. Submit it to the IIZ office from the case page."),
            form,
        )
        if done:
            return done
        if getattr(request, "stale_version", None):
            data["version"] = request.stale_version
    return _page(request, "cases/forms/exit_report.html", case, _("Exit report"), 10, form=form, reasons=reasons, report=report)


@FORM_PAGE
def close_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The cantonal officer closes the dossier (four eyes: never the case's own case
    manager): the letter to the person, and a note for the archive."""
    case = _load(request, pk)
    if refusal := denied(request, "close", case):
        return refusal
    report = case.records.exit_report
    reasons: list[str] = []
    # The letter's frame as it will be printed: signed by this officer, dated today.
    frame = rendering.closure_letter_frame(case, signer=request.user, date=timezone.localdate())
    if request.method == "POST":
        form = forms.CloseCaseForm(request.POST, frame_parts=frame["parts"])
        if form.is_valid():
            data = form.cleaned_data
            done, reasons, case = _submit(
                request,
                pk,
                case,
                lambda: actions.close_case(
                    case, by=request.user, letter_text=data["letter_text"], archive_note=data["archive_note"].strip()
                ),
                _("The case is closed and archived."),
                form,
            )
            if done:
                return done
    else:
        form = forms.CloseCaseForm(initial={"letter_text": rendering.closure_letter_body(case, report)})
    return _page(
        request,
        "cases/forms/close.html",
        case,
        _("Close the case"),
        11,
        form=form,
        reasons=reasons,
        report=report,
        letter_language=case.person.get_language_display(),
        frame=frame,
    )


# --- journal ------------------------------------------------------------------------------


@FORM_PAGE
def new_journal_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """A note or meeting minutes in the case journal (the minutes of a review go to the
    contact persons for recording)."""
    case = _load(request, pk)
    if refusal := denied(request, "write_journal", case):
        return refusal
    reasons: list[str] = []
    form = forms.JournalEntryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, reasons, case = _submit(
            request,
            pk,
            case,
            lambda: actions.add_journal_entry(case, by=request.user, kind=data["kind"], text=data["text"].strip()),
            _("Journal entry added."),
            form,
        )
        if done:
            return done
    return _page(
        request, "cases/forms/journal_entry.html", case, _("Add to the journal"), case.cii101_step, form=form, reasons=reasons
    )


# The URL map names this view new_poa too.
new_poa = new_power_of_attorney
