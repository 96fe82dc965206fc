"""The case page and everything read-only about one case: the plan's versions and the
differences between them, and the CII101 process diagram (for every user, and for one case
with its current state highlighted).

The case page loads the case with one queryset (``detail_queryset``) and hands the records
it loaded to ``case.records``, so the flow rules behind the buttons read the same objects
the page shows: the number of queries does not depend on the size of the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases import inlined
from cases.audit import events
from cases.audit.access import log_access
from cases.deadlines import deadlines_for
from cases.flow import policy
from cases.flow.diagram import build_diagram
from cases.flow.machine import available_steps, steps
from cases.models import (
    AccessKind,
    ActionPlan,
    AgendaItem,
    Case,
    CaseGrant,
    CaseState,
    Dispute,
    FundingRequest,
    Goal,
    JournalEntry,
    Measure,
    Meeting,
    MeetingKind,
    MeetingParticipant,
    PlanStatus,
    PowerOfAttorney,
    Review,
)
from cases.plandiff import diff_plans
from cases.views import get_case_for_user
from cases.views.audit import audit_card
from cases.views.steps import KEPT_TEXT
from roles.models import Institution

# The label of the text field of the steps that carry one (cases.flow.machine.STEP_TEXT).
STEP_TEXT_LABELS = {
    "validate_plan": _("Comment for the case manager"),
    "change_plan": _("Why the plan changes"),
}
# Steps that end the case for good ask for a confirmation first (static/js/iiz.js).
STEP_CONFIRM = {
    "end_without_case_management": _("End this case without case management? It can then no longer be changed."),
}
MEETING_LINK_LABELS = {
    MeetingKind.ROUND_TABLE: _("Record the round table"),
    MeetingKind.ASSESSMENT: _("Record the assessment"),
    MeetingKind.NETWORK: _("Record the network meeting"),
}


def _measures() -> Prefetch:
    return Prefetch(
        "measures", queryset=Measure.objects.select_related("responsible_institution", "catalogue_measure", "employer_contact")
    )


POA_INSTITUTIONS = PowerOfAttorney.institutions.through
_case = inlined.outer(Case)
# The case's short lists, inlined in its query (cases/inlined.py): {annotation: list}.
INLINED = {
    "inlined_institutions": inlined.Inline(lambda: Institution.objects.filter(cases=_case)),
    "inlined_meetings": inlined.Inline(lambda: Meeting.objects.filter(case=_case), "designated_cm", "lead_institution"),
    "inlined_participants": inlined.Inline(lambda: MeetingParticipant.objects.filter(meeting__case=_case), "user"),
    # The meetings scheduled for its meetings (cases/scheduling), with their checklist.
    "inlined_agenda_items": inlined.Inline(lambda: AgendaItem.objects.filter(record__case=_case), "meeting"),
    "inlined_powers_of_attorney": inlined.Inline(lambda: PowerOfAttorney.objects.filter(case=_case), "recorded_by"),
    "inlined_poa_institutions": inlined.Inline(
        lambda: POA_INSTITUTIONS.objects.filter(powerofattorney__case=_case), "institution"
    ),
    "inlined_goals": inlined.Inline(lambda: Goal.objects.filter(plan__case=_case)),
    "inlined_reviews": inlined.Inline(lambda: Review.objects.filter(case=_case), "author", "power_of_attorney"),
    "inlined_funding_requests": inlined.Inline(lambda: FundingRequest.objects.filter(case=_case), "measure"),
    "inlined_disputes": inlined.Inline(lambda: Dispute.objects.filter(case=_case), "opened_by"),
    "inlined_grants": inlined.Inline(lambda: CaseGrant.objects.filter(content_object=_case), "user", "granted_by", "permission"),
}


def detail_queryset() -> QuerySet[Case]:
    """Everything the case page shows, in a fixed number of queries: the case with its
    short lists inlined (``INLINED``: institutions, meetings with their participants and
    scheduled meetings, reviews, powers of attorney and their institutions, the goals of
    its versions, funding requests, disputes, grants), then one query each for the plan's
    versions and the journal (and, in ``load_case_page``, the measures shown)."""
    return (
        Case.objects.select_related(
            "person",
            "region",
            "theme",
            "reporting_institution",
            "reported_by",
            "coordinator",
            "lead_institution",
            "case_manager",
            "exit_report__author",
            "exit_report__other_service",
            "exit_report__power_of_attorney",
            "closure__closed_by",
            "resources_sheet__updated_by",
        )
        .annotate(**{name: inline.expression() for name, inline in INLINED.items()})
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=ActionPlan.objects.select_related("author", "submitted_by", "validator").order_by("-version"),
                to_attr="plan_versions",
            ),
            Prefetch("journal", queryset=JournalEntry.objects.select_related("author").order_by("-at", "-pk")),
        )
    )


def _inlined(case: Case, name: str, key) -> list:
    return INLINED[name].instances(getattr(case, name), key=key)


def _attach_inlined(case: Case) -> None:
    """Give the case's relations the rows inlined in its query, in the order the page shows
    them: ``case.institutions.all()``, ``meeting.participants.all()`` and so on run no query."""
    inlined.attach(case, "institutions", _inlined(case, "inlined_institutions", key=lambda i: i.code))
    meetings = _inlined(case, "inlined_meetings", key=lambda m: m.pk)
    inlined.attach(case, "meetings", meetings)
    inlined.attach_by(meetings, "participants", _inlined(case, "inlined_participants", key=lambda p: p.pk), "meeting_id")
    items = _inlined(case, "inlined_agenda_items", key=lambda i: (i.meeting.starts_at, i.pk))
    inlined.attach_by(meetings, "agenda_items", items, "record_id")
    powers = _inlined(case, "inlined_powers_of_attorney", key=lambda p: (p.signed_on, p.pk))
    covered = _inlined(case, "inlined_poa_institutions", key=lambda t: t.institution.code)
    for power in powers:
        inlined.attach(power, "institutions", [t.institution for t in covered if t.powerofattorney_id == power.pk])
    inlined.attach(case, "powers_of_attorney", powers[::-1])  # newest first
    reviews = _inlined(case, "inlined_reviews", key=lambda r: (r.held_on, r.pk))
    inlined.attach(case, "reviews", reviews[::-1])  # newest first
    inlined.attach_by(case.plan_versions, "goals", _inlined(case, "inlined_goals", key=lambda g: (g.position, g.pk)), "plan_id")
    requests = _inlined(case, "inlined_funding_requests", key=lambda r: (r.submitted_at, r.pk))
    inlined.attach(case, "funding_requests", requests)
    disputes = _inlined(case, "inlined_disputes", key=lambda d: (d.opened_at, d.pk))
    inlined.attach(case, "disputes", disputes[::-1])  # newest first


def grants_in_force(case: Case) -> list[CaseGrant]:
    """The case's per-case grants in force today, by their end."""
    today = timezone.localdate()
    grants = _inlined(case, "inlined_grants", key=lambda g: (g.valid_until, g.pk))
    return [grant for grant in grants if grant.valid_until >= today]


def sent_back_before(versions: list[ActionPlan]) -> ActionPlan | None:
    """The version sent back that the newest version (first of ``versions``) reworks, while
    that one waits for its decision (CII101 step 5); None otherwise."""
    if len(versions) < 2:
        return None
    current, before = versions[0], versions[1]
    undecided = current.status in (PlanStatus.DRAFT, PlanStatus.SUBMITTED)
    return before if undecided and before.status == PlanStatus.SENT_BACK else None


def load_case_page(user, pk: int) -> Case:
    """The case with its records; ``case.records`` is filled from what was loaded here.
    The measures of the current version, and of the version sent back that it reworks, are
    loaded together (one query either way)."""
    case = get_case_for_user(user, pk, queryset=detail_queryset())
    _attach_inlined(case)
    current = case.plan_versions[0] if case.plan_versions else None
    if current is not None:
        shown = [current, sent_back] if (sent_back := sent_back_before(case.plan_versions)) else [current]
        prefetch_related_objects(shown, _measures())
    meetings = list(case.meetings.all())
    case.records.current_plan = current
    case.records.last_meeting = meetings[-1] if meetings else None
    return case


@dataclass
class Link:
    label: str
    url: str


# The record pages linked from the case page: (policy operation, URL name, label).
RECORD_LINKS = [
    ("edit_plan", "cases:edit_plan", _("Edit the action plan")),
    ("edit_resources", "cases:resources", _("Update the resources data sheet")),
    ("record_team_review", "cases:new_review", _("Record a review")),
    ("record_power_of_attorney", "cases:new_poa", _("Record a power of attorney")),
    ("write_exit_report", "cases:exit_report", _("Write the exit report")),
    ("write_journal", "cases:new_journal_entry", _("Add a note or minutes")),
]


def record_links(case: Case, user) -> list[Link]:
    """The record pages the policy lets this user open now."""
    links = []
    meeting = case.records.last_meeting
    if meeting and policy.may(user, "record_meeting", case):
        label = MEETING_LINK_LABELS.get(meeting.kind, _("Record the meeting"))
        links.append(Link(str(label), reverse("cases:meeting", args=[case.pk, meeting.pk])))
    for name, url_name, label in RECORD_LINKS:
        if policy.may(user, name, case):
            links.append(Link(str(label), reverse(url_name, args=[case.pk])))
    return links


def _state_label(value: str) -> str:
    try:
        return str(CaseState(value).label)
    except ValueError:
        return value


@dataclass
class TimelineItem:
    entry: JournalEntry
    title: str
    from_label: str
    to_label: str
    text: str  # what the user wrote and what the application says, in the reader's language

    @property
    def show_kind(self) -> bool:
        return self.title != self.entry.get_kind_display()


def timeline(case: Case) -> list[TimelineItem]:
    """The journal, newest first; a step shows its label and the states it went between."""
    step_labels = {name: str(s.label) for name, s in steps().items()}
    step_labels.update(report=str(_("Case reported")), review=str(_("Review recorded")))
    items = []
    for entry in case.journal.all():
        title = step_labels.get(entry.transition) or entry.get_kind_display()
        items.append(
            TimelineItem(
                entry,
                title,
                _state_label(entry.from_state) if entry.from_state else "",
                _state_label(entry.to_state) if entry.to_state else "",
                events.render(entry),
            )
        )
    return items


def _step_forms(case: Case, user, kept: dict | None = None) -> list[dict]:
    """The steps this user may take, ready ones first (interrupting last among them), then
    the blocked ones with their reasons; within a CII101 step, one-click steps before those
    with a text or a page of their own (validate before send back)."""
    ordered = sorted(
        available_steps(case, user),
        key=lambda a: (bool(a.blocked_by), a.name == "interrupt", a.step, a.form_url_name is not None, a.text == "required"),
    )
    return [
        {
            "action": action,
            "text_label": STEP_TEXT_LABELS.get(action.name, _("Comment")),
            "confirm": STEP_CONFIRM.get(action.name, ""),
            "kept_text": kept["text"] if kept and kept.get("step") == action.name and not action.blocked_by else "",
        }
        for action in ordered
    ]


def _closure(case: Case):
    try:
        return case.closure
    except ObjectDoesNotExist:
        return None


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: the person, the facts, the current CII101 step with what this user may
    do now and what is due, the records of every step and the timeline."""
    case = load_case_page(request.user, pk)
    log_access(request, case, AccessKind.VIEW, "case page")
    today = timezone.localdate()
    kept = request.session.pop(KEPT_TEXT, None)
    kept = kept if kept and kept.get("case") == case.pk else None
    step_forms = _step_forms(case, request.user, kept)
    plan = case.records.current_plan
    sent_back = sent_back_before(case.plan_versions)
    may_view_disputes = bool(policy.may(request.user, "view_disputes", case))
    context = {
        "case": case,
        "person": case.person,
        "institutions": list(case.institutions.all()),
        "step_forms": step_forms,
        # Typed with a step that was refused and is no longer offered: shown to copy.
        "kept_text": kept["text"] if kept and not any(item["kept_text"] for item in step_forms) else "",
        "links": record_links(case, request.user),
        "deadlines": deadlines_for(case, today),
        "meetings": list(case.meetings.all()),
        # Schedule the meeting the case waits for, unless it is scheduled already.
        "may_schedule": bool(policy.may(request.user, "schedule_meeting", case))
        and not any(
            item.meeting.is_open for item in (case.records.last_meeting.agenda_items.all() if case.records.last_meeting else [])
        ),
        "resources_sheet": case.records.resources_sheet,
        "plan": plan,
        "plan_versions": case.plan_versions,
        "sent_back": sent_back,
        "changes_since": diff_plans(sent_back, plan) if sent_back else None,
        "reviews": list(case.reviews.all()),
        "powers_of_attorney": list(case.powers_of_attorney.all()),
        "exit_report": case.records.exit_report,
        "closure": _closure(case),
        "timeline": timeline(case),
        "today": today,
        "audit": audit_card(request, case, grants_in_force(case)),
        "can_export_person": policy.permits(request.user, "export_person"),
        "funding": _funding(case, plan, request.user),
        "may_request_funding": policy.may(request.user, "request_funding", case),
        # Disputes between institutions, for who may read them.
        "may_view_disputes": may_view_disputes,
        "disputes": list(case.disputes.all()) if may_view_disputes else [],
        "may_record_dispute": bool(policy.may(request.user, "record_dispute", case)),
    }
    return render(request, "cases/detail.html", context)


def _funding(case: Case, plan: ActionPlan | None, user) -> list | None:
    """The case's funding requests to the legal commission, for those who follow them, each also on the measure of the plan it is for (the same measure in a later
    version of the plan: by its title)."""
    if not policy.permits(user, "follow_funding", case):
        return None
    requests = list(case.funding_requests.all())
    if plan is not None:
        for measure in plan.measures_list:
            measure.funding = [
                r for r in requests if r.measure_id == measure.pk or (r.measure is not None and r.measure.title == measure.title)
            ]
    return requests


def _plan_queryset() -> QuerySet[ActionPlan]:
    return ActionPlan.objects.select_related("author", "submitted_by", "validator").prefetch_related("goals", _measures())


def _versions(case: Case) -> list[ActionPlan]:
    return list(case.plans.select_related("author", "submitted_by", "validator").order_by("-version"))


@require_GET
def plan_version(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """One version of the action plan, read-only, as it was decided."""
    case = get_case_for_user(request.user, pk)
    plan = _plan_queryset().filter(case=case, version=version).first()
    if plan is None:
        raise Http404
    log_access(request, case, AccessKind.VIEW_PLAN, f"v{version}")
    context = {"case": case, "plan": plan, "plan_versions": _versions(case), "today": timezone.localdate()}
    return render(request, "cases/plan_version.html", context)


def choose_versions(params, versions: list[int]) -> tuple[int, int] | None:
    """The two versions to compare: ``from`` and ``to`` when both exist and differ, else the
    last two; None when the plan has fewer than two versions."""
    if len(versions) < 2:
        return None
    try:
        chosen = int(params.get("from", "")), int(params.get("to", ""))
    except ValueError:
        chosen = None
    if chosen and chosen[0] != chosen[1] and all(v in versions for v in chosen):
        return chosen
    return versions[-2], versions[-1]


@require_GET
def plan_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed between two versions of the action plan (CII101 step 8)."""
    case = get_case_for_user(request.user, pk)
    versions = sorted(case.plans.values_list("version", flat=True))
    chosen = choose_versions(request.GET, versions)
    log_access(request, case, AccessKind.VIEW_PLAN, "v{} -> v{}".format(*chosen) if chosen else "plan comparison")
    context = {"case": case, "versions": versions, "chosen": chosen}
    if chosen:
        plans = {p.version: p for p in _plan_queryset().filter(case=case, version__in=chosen)}
        old, new = plans[chosen[0]], plans[chosen[1]]
        context.update(old=old, new=new, diff=diff_plans(old, new))
    return render(request, "cases/plan_diff.html", context)


@require_GET
def process_diagram(request: HttpRequest) -> HttpResponse:
    """The CII101 process, drawn from the state machine itself."""
    return render(request, "cases/process.html", {"diagram": build_diagram()})


@require_GET
def case_process(request: HttpRequest, pk: int) -> HttpResponse:
    """The CII101 process with this case's current state and the steps leaving it highlighted."""
    case = get_case_for_user(request.user, pk)
    log_access(request, case, AccessKind.VIEW, "process diagram")
    return render(request, "cases/case_process.html", {"case": case, "diagram": build_diagram(case.state)})
