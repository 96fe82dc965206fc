"""Every change to a case goes through one of these actions.

Each action is atomic, checks the acting user against the case (role and flow rules),
takes the step on the state machine, writes the records and the journal entry in the same
transaction. Views call exactly one action and show its errors.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from simple_history.utils import bulk_create_with_history

from cases import deadlines, notices, notifications, tasks
from cases.acting import action, stored
from cases.audit import chain, events
from cases.flow import machine, policy, scope
from cases.flow.policy import ActionRefused
from cases.flow.states import OPEN_STATES
from cases.models import (
    ActionPlan,
    Case,
    CaseFile,
    CaseState,
    Closure,
    ExitOutcome,
    ExitReport,
    FileCategory,
    Goal,
    JournalEntry,
    JournalKind,
    Letterhead,
    Measure,
    MeasureProgress,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Person,
    PlanStatus,
    PoaCheck,
    PowerOfAttorney,
    PrintMark,
    ReferenceCounter,
    Reminder,
    ResourcesSheet,
    Review,
    ReviewDecision,
    ReviewKind,
)
from roles.models import Institution, Membership, Region, Theme, User


class CaseConflict(Exception):
    """Someone else changed the case's state in the meantime; nothing was saved."""

    message = gettext_lazy(
        "Someone else changed this case at the same moment. Nothing was saved: please check the case and try again."
    )


def _entry(
    case: Case,
    by: User,
    kind: str,
    text: str = "",
    *,
    event: str = "",
    params: dict | None = None,
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
) -> JournalEntry:
    """A journal entry, not yet saved: what the user wrote (``text``) and what the
    application says, as an event of cases/audit/events.py with its parameters (rendered in
    the reader's language)."""
    if event and event not in events.EVENTS:
        raise ValueError(f"Unknown journal event {event!r}: add it to cases/audit/events.py")
    return JournalEntry(
        case=case,
        author=by,
        kind=kind,
        text=text,
        event=event,
        params=params or {},
        transition=transition,
        from_state=from_state,
        to_state=to_state,
    )


def _journal(case: Case, by: User, kind: str, text: str = "", **fields) -> JournalEntry:
    """Write a journal entry (see ``_entry``): the one writer of the case journal."""
    entry = _entry(case, by, kind, text, **fields)
    with transaction.atomic(savepoint=False):
        chain.seal([entry])  # the hash chain (cases/audit/chain.py)
        entry.save()
    return entry


def _day(day: datetime.date) -> str:
    """A date as a journal event keeps it (shown in the reader's format)."""
    return day.isoformat()


def _step(case: Case, name: str, *, by: User, text: str = "", event: str = "", params: dict | None = None, **changes) -> None:
    """Take transition ``name`` as ``by``, or raise ActionRefused with the reasons.
    ``changes`` are other fields of the case saved together with the new state; ``text``
    (what the user wrote), ``event`` and ``params`` go to the journal."""
    case.refresh_records()
    policy.require(by, name, case, conditions=False)
    from_state = case.state
    try:
        getattr(case, name)()  # the state machine checks the guards (once)
    except TransitionNotAllowed:
        raise ActionRefused(machine.step(name).unmet(case)) from None
    for field, value in changes.items():
        setattr(case, field, value)
    try:
        case.save()
    except ConcurrentTransition as error:
        raise CaseConflict() from error
    _journal(
        case,
        by,
        JournalKind.TRANSITION,
        text,
        event=event,
        params=params,
        transition=name,
        from_state=from_state,
        to_state=case.state,
    )
    _notify(case, name, by=by)


def _notify(case: Case, event: str, *, by: User) -> None:
    """Tell those who wait for ``event`` (cases/notifications), in this transaction; their
    e-mails are queued once it is committed (none while the demo replays the past)."""
    sending = notices.sending()
    ids = notifications.notify(case, event, by=by, email=sending)
    if ids:
        transaction.on_commit(lambda: tasks.send_notifications.delay(ids), robust=True)


# --- intake (CII101 step 1) ---------------------------------------------------------------

REPORTED_AT_ONCE = gettext_lazy(
    "Someone else reported this person at the same moment. Nothing was saved: please send the form again to see what is known."
)


def next_reference(today: datetime.date) -> str:
    """IIZ-<year>-<number>, sequential per year. The counter row is updated (and so locked)
    inside the caller's transaction: concurrent intakes wait for each other."""
    ReferenceCounter.objects.get_or_create(year=today.year)
    ReferenceCounter.objects.filter(year=today.year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(year=today.year).last
    return f"IIZ-{today.year}-{number:05d}"


def default_coordinator(region: Region, theme: Theme | None) -> User | None:
    """The coordinator in charge: of the theme if there is one, else of the region (the
    longest-serving one, when there are several)."""
    unit = scope.unit_of_case(region.pk, theme.pk if theme is not None else None)
    memberships = Membership.objects.active().select_related("user").filter(scope.unit_memberships_q(unit))
    first = memberships.order_by("starts_on", "pk").first()
    return first.user if first else None


def institutions_text(pks) -> str:
    """The institutions involved as the case keeps them for its change history: their codes."""
    return ", ".join(sorted(code.upper() for code in Institution.objects.filter(pk__in=pks).values_list("code", flat=True)))


@action
def tell_of_known_person(cases: Iterable[Case], *, by: User) -> None:
    """At intake, the details ``by`` entered match the person of ``cases`` (the latest case
    of each), outside ``by``'s scope: ``by`` learns only that the person is known, and the
    coordinator responsible for each case is told who reported (cases/views/intake.py)."""
    policy.require(by, "report_case")
    for case in cases:
        _notify(case, "known_person", by=by)


@action
def report_case(
    *,
    by: User,
    person: Person,
    reporting_institution: Institution,
    institutions: Iterable[Institution],
    region: Region,
    theme: Theme | None,
    reason: str,
    seen_persons: Iterable[int] | None = None,
) -> Case:
    """CII101 step 1: a front-line worker or contact person reports a case.

    ``person`` may be new (unsaved) or an existing one (a person reported again); a person
    who has an open case cannot get a second one. ``seen_persons``: the persons the intake's
    duplicate check found (and the reporter dealt with); a new person whose name and date of
    birth another report has given an open case since then is refused (two reports at once).
    """
    policy.require(by, "report_case")
    is_new = person.pk is None
    if person.pk and person.cases.exclude(state__in=[CaseState.CLOSED, CaseState.NO_CASE_MANAGEMENT]).exists():
        raise ActionRefused([_("This person already has an open case.")])
    # The constraints (a unique AHV number) are left to the database: the intake form checked
    # them, and a report of the same person committed since then is refused at the save.
    person.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as error:  # the same AHV number, reported at the same moment
        raise ActionRefused([REPORTED_AT_ONCE]) from error
    now = timezone.now()
    case = Case(
        reference=next_reference(timezone.localdate(now)),
        person=person,
        reporting_institution=reporting_institution,
        reported_by=by,
        region=region,
        theme=theme,
        reason=reason,
        coordinator=default_coordinator(region, theme),
        reported_at=now,
    )
    involved = {i.pk for i in institutions} | {reporting_institution.pk}
    case.institutions_on_record = institutions_text(involved)
    if is_new and seen_persons is not None and _reported_meanwhile(person, seen_persons):
        raise ActionRefused([REPORTED_AT_ONCE])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # one open case per person (case_one_open_per_person)
        raise ActionRefused([REPORTED_AT_ONCE]) from error
    case.institutions.set(involved)
    _journal(case, by, JournalKind.TRANSITION, reason, transition="report", to_state=case.state)
    _notify(case, "report", by=by)
    return case


def _reported_meanwhile(person: Person, seen: Iterable[int]) -> bool:
    """Another person of the same name and date of birth, with an open case, that the check
    did not see: reported at the same moment (read after next_reference, which makes
    intakes wait for each other)."""
    return (
        Person.objects.filter(
            birth_date=person.birth_date,
            first_name__iexact=person.first_name.strip(),
            last_name__iexact=person.last_name.strip(),
            cases__state__in=OPEN_STATES,
        )
        .exclude(pk__in=[person.pk, *seen])
        .exists()
    )


# --- round table and assessment (CII101 step 2, 3) ----------------------------------------


@action
def plan_meeting(case: Case, *, by: User, kind: str, scheduled_for=None, place: str = "") -> Meeting:
    """The coordinator decides on a round table or an assessment (the secretariat organises
    the assessment), from a new report or escalating a round table."""
    name = "plan_round_table" if kind == MeetingKind.ROUND_TABLE else "plan_assessment"
    _step(case, name, by=by, meeting_decided_at=case.meeting_decided_at or timezone.now())
    return Meeting.objects.create(case=case, kind=kind, scheduled_for=scheduled_for, place=place, created_by=by)


@action
def save_meeting(
    meeting: Meeting,
    *,
    by: User,
    participants: Iterable[dict] | None = None,
    resources: ResourcesSheet | None = None,
    version: int | None = None,
) -> Meeting:
    """Record the date, place, participants and result of a round table or assessment, and
    (``resources``, when changed) the person's resources data sheet established there;
    refused when someone else saved the meeting after ``version`` (the form's)."""
    from cases.audit.versions import check_version

    policy.require(by, "record_meeting", meeting.case)
    check_version(meeting, version)
    if resources is not None:
        save_resources(resources, by=by)
    if meeting.designated_cm_id and not scope.can_be_case_manager.test(meeting.designated_cm):
        raise ActionRefused([_("The case manager must be an IIZ contact person.")])
    meeting.full_clean()
    is_new = meeting.pk is None
    meeting.save()
    if participants is not None:
        meeting.participants.all().delete()
        for p in participants:
            meeting.participants.create(**p)
    _journal(
        meeting.case,
        by,
        JournalKind.RECORD,
        event=events.MEETING_RECORDED if is_new else events.MEETING_UPDATED,
        params={"meeting": meeting.kind},
    )
    return meeting


@action
def end_without_case_management(case: Case, *, by: User) -> None:
    meeting = case.records.last_meeting
    _step(case, "end_without_case_management", by=by, text=meeting.decision_reason if meeting else "")


@action
def designate_case_manager(case: Case, *, by: User) -> None:
    """CII101 step 3: the case manager named by the round table or assessment takes over."""
    case.refresh_records()
    meeting = case.records.last_meeting
    designated = meeting.designated_cm if meeting else None
    _step(
        case,
        "designate_case_manager",
        by=by,
        event=events.CASE_MANAGER_DESIGNATED if designated else "",
        params={"name": str(designated)} if designated else None,
        case_manager=designated,
        cm_designated_at=timezone.now(),
        lead_institution=case.lead_institution or (meeting.lead_institution if meeting else None),
    )


# --- the action plan (CII101 steps 4, 5, 8) -----------------------------------------------


@action
def start_plan(case: Case, *, by: User, first_meeting_on: datetime.date) -> ActionPlan:
    """CII101 step 4: the case manager has met the person; the first plan version opens.
    The meeting is dated between the designation of the case manager and today."""
    if first_meeting_on > timezone.localdate():
        raise ActionRefused([_("The first meeting cannot be in the future.")], field="first_meeting_on")
    designated = timezone.localdate(case.cm_designated_at) if case.cm_designated_at else None
    if designated and first_meeting_on < designated:
        raise ActionRefused(
            [
                _("The first meeting cannot be before the case manager was designated (%(date)s).")
                % {"date": designated.strftime("%d.%m.%Y")}
            ],
            field="first_meeting_on",
        )
    _step(
        case,
        "start_plan",
        by=by,
        event=events.FIRST_MEETING,
        params={"date": _day(first_meeting_on)},
        first_meeting_on=first_meeting_on,
    )
    plan = ActionPlan.objects.create(case=case, version=1, author=by)
    case.refresh_records()
    return plan


def _save_goals(plan: ActionPlan, texts: list[str], *, by: User) -> None:
    """The plan's goals become ``texts``, in that order, changing only what changed: a goal
    kept as it was is not saved again, a reworded one is updated in place (paired by place
    within the part of the list that changed), only new goals are created and only removed
    ones deleted, so that the change history shows the real changes."""
    existing = list(Goal.objects.filter(plan=plan).order_by("position", "pk"))  # never a prefetched list
    matcher = difflib.SequenceMatcher(a=[g.text for g in existing], b=texts, autojunk=False)
    updated: list[tuple[Goal, int]] = []
    removed: list[Goal] = []
    added: list[Goal] = []
    for _op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1)
        updated += [(existing[i1 + k], j1 + k) for k in range(pairs)]
        removed += existing[i1 + pairs : i2]
        added += [Goal(plan=plan, position=j, text=texts[j]) for j in range(j1 + pairs, j2)]
    for goal, position in updated:
        if goal.text != texts[position] or goal.position != position:
            goal.text, goal.position = texts[position], position
            goal.save(update_fields=["text", "position"])
    if removed:
        Goal.objects.filter(pk__in=[g.pk for g in removed]).delete()
    bulk_create_with_history(added, Goal, default_user=by)


# The fields of a measure that the plan form writes (compared to skip saving an unchanged one).
MEASURE_FIELDS = (
    "position",
    "catalogue_measure_id",
    "title",
    "responsible_institution_id",
    "starts_on",
    "due_on",
    "status",
    "result",
)


def _same_catalogue_name(earlier: Measure, measure: Measure) -> bool:
    """Both titles are the name of the same catalogue measure, in either language."""
    entry = measure.catalogue_measure
    if entry is None or measure.catalogue_measure_id != earlier.catalogue_measure_id:
        return False
    names = (entry.name_de, entry.name_fr)
    return measure.title.strip() in names and earlier.title.strip() in names


@action
def save_plan(
    plan: ActionPlan,
    *,
    by: User,
    goals: list[str],
    measures: list[dict],
    resources: ResourcesSheet | None = None,
    version: str | None = None,
) -> ActionPlan:
    """Save the version in preparation: its fields, goals and measures, and (``resources``,
    when changed) the person's resources data sheet. Goals and measures are changed in
    place; unchanged ones are left alone (the change history shows only what changed)."""
    from cases.audit.versions import check_plan_version

    policy.require(by, "edit_plan", plan.case)
    if not plan.is_editable:
        raise ActionRefused([policy.operation("edit_plan").not_now])
    check_plan_version(plan, version)  # someone else saved since the form was loaded: refused
    if resources is not None:
        save_resources(resources, by=by)
    plan.full_clean()
    plan.save()
    _save_goals(plan, [text for text in goals if text.strip()], by=by)
    existing = {m.pk: m for m in Measure.objects.filter(plan=plan)}  # never a prefetched list
    kept = []
    for i, data in enumerate(measures):
        data = dict(data)
        measure_id = data.pop("id", None)
        if measure_id and measure_id not in existing:
            raise ActionRefused([_("This measure is not part of this plan version. Reload the page.")])
        measure = Measure(plan=plan, position=i, **data)
        if measure_id:
            measure.pk = measure_id
            measure._state.adding = False  # an existing row: its own pk is not a duplicate
        measure.full_clean(exclude=["plan"])
        earlier = existing.get(measure_id)
        if earlier is not None and _same_catalogue_name(earlier, measure):
            measure.title = earlier.title  # shown in the reader's language on the form: no change
        if earlier is None or any(getattr(earlier, name) != getattr(measure, name) for name in MEASURE_FIELDS):
            measure.save()
        kept.append(measure.pk)
    plan.measures.exclude(pk__in=kept).delete()
    plan.__dict__.pop("goals_list", None)
    plan.__dict__.pop("measures_list", None)
    _journal(plan.case, by, JournalKind.RECORD, event=events.PLAN_SAVED, params={"version": plan.version})
    return plan


@action
def submit_plan(case: Case, *, by: User) -> None:
    """CII101 step 4: the signed version goes to the coordinator, who decides within the
    plan validation period (cases/deadlines)."""
    now = timezone.now()
    _step(case, "submit_plan", by=by, plan_submitted_at=now)
    plan = case.records.current_plan
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = now
    plan.submitted_by = by
    plan.save(update_fields=["status", "submitted_at", "submitted_by"])


@action
def validate_plan(case: Case, *, by: User, comment: str = "") -> None:
    """CII101 step 5: validated; the earlier validated version is superseded."""
    now = timezone.now()
    _step(case, "validate_plan", by=by, text=comment, plan_validated_at=case.plan_validated_at or now)
    plan = case.records.current_plan
    for earlier in case.plans.filter(status=PlanStatus.VALIDATED).exclude(pk=plan.pk):
        earlier.status = PlanStatus.SUPERSEDED  # saved one by one, so the history records it
        earlier.save(update_fields=["status"])
    plan.status = PlanStatus.VALIDATED
    plan.validator = by
    plan.decided_at = now
    plan.decision_comment = comment
    plan.save(update_fields=["status", "validator", "decided_at", "decision_comment"])
    deadlines.keep_dates(case)


@action
def send_back_plan(case: Case, *, by: User, reasons: str, options: str) -> ActionPlan:
    """CII101 step 5: not validated. The coordinator says why and proposes other options
    (both required); the version is frozen as it was submitted (status "sent back", its
    signatures kept) and the next version opens, a copy of it, for the case manager to
    rework with the person and have signed again. Returns the new version."""
    policy.require(by, "send_back_plan", case, conditions=False)
    reasons, options = reasons.strip(), options.strip()
    missing = []
    if not reasons:
        missing.append(_("Say why the plan is not validated."))
    if not options:
        missing.append(_("Say which other options you propose when sending the plan back."))
    if missing:
        raise ActionRefused(missing)
    _step(case, "send_back_plan", by=by, text=reasons, event=events.PLAN_SENT_BACK, params={"options": options})
    plan = case.records.current_plan
    plan.status = PlanStatus.SENT_BACK
    plan.validator = by
    plan.decided_at = timezone.now()
    plan.refusal_reasons = reasons
    plan.proposed_options = options
    plan.save(update_fields=["status", "validator", "decided_at", "refusal_reasons", "proposed_options"])
    # The case manager writes the next version (and so may not validate it later).
    return _new_version(case, by=by, author=case.case_manager or plan.author)


def _new_version(case: Case, *, by: User, author: User | None = None) -> ActionPlan:
    """The next version of the plan: a copy of the current one's contents, unsigned, by
    ``author`` (who acts, unless told)."""
    previous = case.records.current_plan
    plan = ActionPlan.objects.create(
        case=case,
        version=previous.version + 1,
        author=author or by,
        notes=previous.notes,
        signature_place=previous.signature_place,
    )
    bulk_create_with_history(
        [Goal(plan=plan, position=g.position, text=g.text) for g in previous.goals_list], Goal, default_user=by
    )
    bulk_create_with_history(
        [
            Measure(
                plan=plan,
                position=m.position,
                catalogue_measure_id=m.catalogue_measure_id,
                title=m.title,
                employer_contact_id=m.employer_contact_id,
                responsible_institution_id=m.responsible_institution_id,
                starts_on=m.starts_on,
                due_on=m.due_on,
                status=m.status,
                result=m.result,
            )
            for m in previous.measures_list
        ],
        Measure,
        default_user=by,
    )
    case.refresh_records()
    deadlines.keep_dates(case)
    return plan


@action
def change_plan(case: Case, *, by: User, reason: str) -> ActionPlan:
    """CII101 step 8: a new plan version (a copy of the current one), to be signed and
    validated again."""
    if not reason.strip():
        raise ActionRefused([_("Say why the plan changes.")])
    _step(case, "change_plan", by=by, text=reason)
    return _new_version(case, by=by)


# --- back to the network during implementation (seed 004, case manager) -------------------


@action
def ask_network(case: Case, *, by: User, kind: str, reason: str) -> Meeting:
    """The case manager asks the coordinator for a network meeting, or even a new assessment
    (organised by the secretariat), and says why; the case waits for its result."""
    problems = []
    if kind not in (MeetingKind.NETWORK, MeetingKind.ASSESSMENT):
        problems.append(_("Choose a network meeting or an assessment."))
    if not reason.strip():
        problems.append(_("Say why the network should meet again."))
    policy.require(by, "ask_network", case, conditions=False)
    if problems:
        raise ActionRefused(problems)
    _step(case, "ask_network", by=by, text=reason.strip())
    meeting = Meeting.objects.create(case=case, kind=kind, created_by=by, requested_by=by, request_reason=reason.strip())
    case.refresh_records()
    return meeting


@action
def resume_plan(case: Case, *, by: User) -> None:
    """The network meeting or assessment decided to continue the plan; when it named another
    case manager, that one takes over first (with the meeting's reason)."""
    meeting = case.records.last_meeting
    if meeting and meeting.decision == MeetingDecision.CHANGE_CM and meeting.designated_cm_id != case.case_manager_id:
        reason = meeting.decision_reason or meeting.result or str(meeting)
        replace_case_manager(case, by=by, case_manager=meeting.designated_cm, reason=reason)
    _step(case, "resume_plan", by=by, text=meeting.decision_reason if meeting else "")


# --- the resources data sheet (CII101 steps 3, 4, 7) --------------------------------------


@action
def save_resources(sheet: ResourcesSheet, *, by: User) -> ResourcesSheet:
    """Save the person's resources data sheet (Datenblatt Ressourcen): recorded at the round
    table or assessment, kept up to date with the plan and at the reviews. The forms that
    carry it pass it here only when something in it changed."""
    policy.require(by, "edit_resources", sheet.case)
    sheet.updated_by = by
    sheet.full_clean()
    is_new = sheet.pk is None
    sheet.save()
    sheet.case.refresh_records()
    _journal(
        sheet.case,
        by,
        JournalKind.RECORD,
        event=events.RESOURCES_RECORDED if is_new else events.RESOURCES_UPDATED,
    )
    return sheet


# --- reviews and power of attorney (CII101 step 7) ----------------------------------------


@action
def record_power_of_attorney(
    case: Case, *, by: User, signed_on: datetime.date, institutions: Iterable[Institution]
) -> PowerOfAttorney:
    policy.require(by, "record_power_of_attorney", case)
    if signed_on > timezone.localdate():
        raise ActionRefused([_("A power of attorney cannot be signed in the future.")], field="signed_on")
    poa = PowerOfAttorney(case=case, signed_on=signed_on, recorded_by=by)
    poa.save()
    poa.institutions.set(institutions)
    deadlines.keep_dates(case)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.POA_RECORDED,
        params={"date": _day(signed_on), "until": _day(poa.valid_until)},
    )
    return poa


@action
def record_review(
    case: Case,
    *,
    by: User,
    review: Review,
    progress: Iterable[dict] = (),
    poa_signed_on: datetime.date | None = None,
    poa_institutions: Iterable[Institution] = (),
    resources: ResourcesSheet | None = None,
) -> Review:
    """CII101 steps 7-9: a review, the progress of each measure, the power-of-attorney check
    (reviews with the person), the resources data sheet brought up to date (``resources``,
    when changed), then the decision: continue, change or finish the plan.

    The check must match the records (``_checked_power_of_attorney``): "valid" when the
    latest power of attorney still covers the time until the next review with the person is
    due; "renewed" records the new one, signed on ``poa_signed_on`` for
    ``poa_institutions``, in the same step. The review keeps the power of attorney it found
    valid or recorded; the signed scan can be filed later."""
    if review.decision != ReviewDecision.CONTINUE:
        policy.require(by, "decide_at_review", case)
    policy.require(by, policy.REVIEW_OPERATIONS[review.kind], case)
    if review.kind == ReviewKind.WITH_PERSON and not review.poa_check:
        raise ActionRefused(
            [_("At a review with the person, check the power of attorney (valid, renewed or refused).")], field="poa_check"
        )
    if resources is not None:
        save_resources(resources, by=by)  # while the case is still in implementation
    review.case = case
    review.author = by
    review.full_clean()  # its date: after the plan's first validation, not in the future
    review.power_of_attorney = _checked_power_of_attorney(
        case, review, by=by, signed_on=poa_signed_on, institutions=list(poa_institutions)
    )
    review.save()
    plan = case.records.current_plan
    measures = {m.pk: m for m in plan.measures_list} if plan else {}
    for item in progress:
        measure = measures.get(item["measure_id"])
        if measure is None:
            continue
        MeasureProgress.objects.create(review=review, measure=measure, status=item["status"], note=item.get("note", ""))
        if measure.status != item["status"] or item.get("note"):
            measure.status = item["status"]
            if item.get("note"):
                measure.result = item["note"]
            measure.save(update_fields=["status", "result"])
    _journal(case, by, JournalKind.RECORD, review.summary, transition="review")
    case.refresh_records()
    deadlines.keep_dates(case)
    if review.decision == ReviewDecision.CHANGE_PLAN:
        _step(case, "change_plan", by=by, text=review.summary)
        _new_version(case, by=by)
    elif review.decision == ReviewDecision.FINISH_PLAN:
        finish_plan(case, by=by)
    return review


def _checked_power_of_attorney(
    case: Case, review: Review, *, by: User, signed_on: datetime.date | None, institutions: list[Institution]
) -> PowerOfAttorney | None:
    """The power of attorney behind the review's check (CII101 step 7; the case manager has
    a new one signed if needed): for "valid", the latest one signed by the day of the
    review, which must last until the next review with the person is due
    (``deadlines.power_of_attorney_gap``); for "renewed", the new one, recorded here
    (``record_power_of_attorney``), which must last as long. None for the other checks."""
    if review.poa_check == PoaCheck.VALID:
        poa = deadlines.power_of_attorney_in_force(case, review.held_on)
        gap = deadlines.power_of_attorney_gap(poa, review.held_on)
        if gap:
            raise ActionRefused([gap, _("Have a new one signed and record it here with “renewed”.")], field="poa_check")
        return poa
    if review.poa_check != PoaCheck.RENEWED:
        return None
    missing = {}
    if signed_on is None:
        missing["poa_signed_on"] = [_("Give the day the new power of attorney was signed.")]
    if not institutions:
        missing["poa_institutions"] = [_("Choose the institutions the new power of attorney covers.")]
    if missing:
        raise ActionRefused.on_fields(missing)
    try:
        poa = record_power_of_attorney(case, by=by, signed_on=signed_on, institutions=institutions)
    except ActionRefused as refusal:
        if "signed_on" not in refusal.fields:
            raise
        raise ActionRefused(refusal.reasons, field="poa_signed_on") from None
    gap = deadlines.power_of_attorney_gap(poa, review.held_on)
    if gap:
        raise ActionRefused([gap], field="poa_signed_on")
    return poa


@action
def finish_plan(case: Case, *, by: User) -> None:
    """CII101 step 9: all steps done; on to the exit report."""
    _step(case, "finish_plan", by=by, implementation_finished_at=timezone.now())
    ExitReport.objects.get_or_create(case=case, defaults={"author": by})
    case.refresh_records()


# --- exit and closure (CII101 steps 10, 11) -----------------------------------------------


@action
def interrupt(case: Case, *, by: User, reason: str, note: str = "") -> None:
    """The person refuses, moves away or dies: the case goes to the exit report, with the
    outcome "interrupted" and the reason."""
    if not reason:
        raise ActionRefused([_("Give the reason for the interruption.")])
    _step(case, "interrupt", by=by, text=note, interrupted_at=timezone.now())
    report, _created = ExitReport.objects.get_or_create(case=case, defaults={"author": by})
    report.outcome = ExitOutcome.INTERRUPTED
    report.interruption_reason = reason
    report.interruption_note = note
    report.save()
    case.refresh_records()


@action
def save_exit_report(report: ExitReport, *, by: User, version: int | None = None) -> ExitReport:
    """CII101 step 10: save the exit report, complete or not (submitting asks for it
    complete). Its own rules (ExitReport.clean: the exit not before the last review, the
    power of attorney named valid at the end of the support) refuse it field by field; so
    does a form loaded before someone else saved the report (``version``)."""
    from cases.audit.versions import check_version

    policy.require(by, "write_exit_report", report.case)
    check_version(report, version)
    report.full_clean()
    report.save()
    _journal(report.case, by, JournalKind.RECORD, event=events.EXIT_REPORT_SAVED)
    return report


@action
def submit_exit_report(case: Case, *, by: User) -> None:
    """CII101 step 10: the exit report goes to the IIZ office; the case waits for the
    cantonal officer to close it. At the end of the support the network and the IIZ office
    are informed (seed 004): the journal says who, and the e-mails go out once the submission
    is committed (cases/notices.py), so a failing mail server never breaks it."""
    now = timezone.now()
    _step(case, "submit_exit_report", by=by, exit_reported_at=now)
    report = case.records.exit_report
    report.submitted_at = now
    report.save(update_fields=["submitted_at"])
    _inform_of_the_end(case, by=by)


def _inform_of_the_end(case: Case, *, by: User) -> None:
    recipients = notices.end_of_support_recipients(case, leaving_out=by)
    _journal(case, by, JournalKind.RECORD, event=events.END_OF_SUPPORT_REPORTED, params=notices.journal_params(recipients))
    ids = recipients.ids
    if ids and notices.sending():
        case_id, by_id = case.pk, by.pk
        # robust: a broker that cannot be reached is logged, the submission stands.
        transaction.on_commit(lambda: tasks.send_end_of_support.delay(case_id, ids, by_id), robust=True)


@action
def close_case(case: Case, *, by: User, letter_text: str = "", archive_note: str = "") -> Closure:
    """CII101 step 11: the cantonal officer closes the dossier; from now on it is read-only."""
    report = case.records.exit_report
    _step(case, "close", by=by, text=archive_note, closed_at=timezone.now(), outcome=report.outcome if report else "")
    return Closure.objects.create(case=case, closed_by=by, letter_text=letter_text, archive_note=archive_note)


@action
def add_journal_entry(case: Case, *, by: User, kind: str, text: str) -> JournalEntry:
    """Notes and meeting minutes in the case journal."""
    policy.require(by, "write_journal", case)
    if kind not in (JournalKind.NOTE, JournalKind.MINUTES):
        raise ActionRefused([_("Only notes and minutes can be added to the journal.")])
    if not text.strip():
        raise ActionRefused([_("The entry is empty.")])
    return _journal(case, by, kind, text)


def simple_step(case: Case, name: str, *, by: User, text: str = "") -> None:
    """A transition that needs no other input (used by the generic step view)."""
    actions = {
        "plan_round_table": lambda: plan_meeting(case, by=by, kind=MeetingKind.ROUND_TABLE),
        "plan_assessment": lambda: plan_meeting(case, by=by, kind=MeetingKind.ASSESSMENT),
        "end_without_case_management": lambda: end_without_case_management(case, by=by),
        "designate_case_manager": lambda: designate_case_manager(case, by=by),
        "submit_plan": lambda: submit_plan(case, by=by),
        "validate_plan": lambda: validate_plan(case, by=by, comment=text),
        "change_plan": lambda: change_plan(case, by=by, reason=text),
        "resume_plan": lambda: resume_plan(case, by=by),
        "finish_plan": lambda: finish_plan(case, by=by),
        "submit_exit_report": lambda: submit_exit_report(case, by=by),
    }
    if name not in actions:
        raise ActionRefused([_("This step needs its own form.")])
    actions[name]()


# --- per-case access grants (django-guardian rows) ----------------------------------------

MAX_GRANT_DAYS = 366


@action
def grant_access(case: Case, *, by: User, user: User, permission: str, valid_until: datetime.date, reason: str):
    """Give ``user`` access to this case until ``valid_until``: as deputy case manager, or
    to read it. The coordinator decides; the journal records it."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from cases.flow.grants import DEPUTY, GRANT_PERMISSIONS, forget_grants
    from cases.models import CaseGrant

    policy.require(by, "give_access", case)
    today = timezone.localdate()
    problems = []
    if permission not in GRANT_PERMISSIONS:
        problems.append(_("Unknown kind of access."))
    if not user.is_active or user.pk == by.pk:
        problems.append(_("Choose another active user."))
    if permission == DEPUTY and not scope.can_be_case_manager.test(user):
        problems.append(_("A deputy case manager must be an IIZ contact person."))
    if valid_until < today or valid_until > today + datetime.timedelta(days=MAX_GRANT_DAYS):
        problems.append(_("The access must end between today and one year from now."))
    if not reason.strip():
        problems.append(_("Say why the access is given."))
    if problems:
        raise ActionRefused(problems)
    perm = Permission.objects.get(codename=permission, content_type=ContentType.objects.get_for_model(Case))
    grant, _created = CaseGrant.objects.update_or_create(
        user=user,
        permission=perm,
        content_object=case,
        defaults={"valid_until": valid_until, "reason": reason, "granted_by": by},
    )
    forget_grants(user)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.ACCESS_GIVEN,
        params={"user": str(user), "kind": permission, "date": _day(valid_until), "reason": reason},
    )
    return grant


@action
def revoke_access(case: Case, *, by: User, grant_id: int) -> None:
    from cases.flow.grants import forget_grants
    from cases.models import CaseGrant

    policy.require(by, "revoke_access", case)
    grant = CaseGrant.objects.select_related("user", "permission").filter(pk=grant_id, content_object=case).first()
    if grant is None:
        raise ActionRefused([_("This access does not exist (any more).")])
    grant.delete()
    forget_grants(grant.user)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.ACCESS_REVOKED,
        params={"user": str(grant.user), "kind": grant.permission.codename},
    )


# --- retention: holding an ended case past its period (cases/retention) -------------------------


@action
def hold_retention(case: Case, *, by: User, reason: str) -> None:
    """Keep an ended case past its retention period (the anonymisation skips it), with the
    reason, in the journal too."""
    from cases.models import RetentionHold

    policy.require(by, "hold_retention", case)
    reason = reason.strip()
    if case.anonymised_at is not None:
        raise ActionRefused([_("This case is already anonymised.")])
    if not reason:
        raise ActionRefused([_("Say why the case is kept.")], field="reason")
    if RetentionHold.objects.filter(case=case).exists():
        raise ActionRefused([_("This case is already kept past its retention period.")])
    RetentionHold.objects.create(case=case, reason=reason, held_by=by)
    _journal(case, by, JournalKind.RECORD, reason, event=events.RETENTION_HELD)


@action
def release_retention(case: Case, *, by: User) -> None:
    """Lift the hold: the case is anonymised at the next run if it is due."""
    from cases.models import RetentionHold

    policy.require(by, "release_retention", case)
    deleted, _rows = RetentionHold.objects.filter(case=case).delete()
    if not deleted:
        raise ActionRefused([_("This case is not kept past its retention period.")])
    _journal(case, by, JournalKind.RECORD, event=events.RETENTION_RELEASED)


# --- files: signed scans, attachments, print marks, the letterhead (cases/models/files.py) ---


def _store_file(case: Case, upload, *, by: User, category: str, **fields) -> CaseFile:
    """Check ``upload`` by its content (cases/documents/uploads.py) and keep it with the case under
    a random name, through the default storage."""
    from django.core.exceptions import ValidationError

    from cases.documents.uploads import check_file, display_name

    try:
        content_type = check_file(upload)
    except ValidationError as error:
        raise ActionRefused(error.messages) from None
    case_file = CaseFile(
        case=case,
        category=category,
        content_type=content_type,
        original_name=display_name(upload.name, content_type),
        size=upload.size,
        uploaded_by=by,
        **fields,
    )
    case_file.file = upload
    case_file.save()
    stored(case_file.file)
    return case_file


def _no_future(*days: datetime.date | None) -> None:
    if any(day and day > timezone.localdate() for day in days):
        raise ActionRefused([_("A signature cannot be dated in the future.")])


@action
def file_signed_plan(
    plan: ActionPlan,
    *,
    by: User,
    upload,
    signature_place: str,
    signed_by_person_on: datetime.date,
    signed_by_cm_on: datetime.date,
) -> CaseFile:
    """CII101 step 4: the scan of the plan version signed by the person and the case
    manager; the signatures it shows are recorded on that version."""
    case = plan.case
    policy.require(by, "file_documents", case)
    if plan.is_frozen:  # sent back or replaced: the newer version is the one to sign
        raise ActionRefused([plan.frozen_reason])
    _no_future(signed_by_person_on, signed_by_cm_on)
    plan.signature_place = signature_place
    plan.signed_by_person_on = signed_by_person_on
    plan.signed_by_cm_on = signed_by_cm_on
    plan.save(update_fields=["signature_place", "signed_by_person_on", "signed_by_cm_on"])
    scan = _store_file(case, upload, by=by, category=FileCategory.SIGNED_PLAN, plan=plan)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.SIGNED_PLAN_FILED,
        params={
            "version": plan.version,
            "place": signature_place,
            "person": _day(signed_by_person_on),
            "cm": _day(signed_by_cm_on),
        },
    )
    return scan


@action
def file_signed_power_of_attorney(poa: PowerOfAttorney, *, by: User, upload) -> CaseFile:
    """CII101 step 7: the scan of a signed power of attorney, attached to its record."""
    case = poa.case
    policy.require(by, "file_documents", case)
    scan = _store_file(case, upload, by=by, category=FileCategory.SIGNED_POA, power_of_attorney=poa)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.SIGNED_POA_FILED,
        params={"date": _day(poa.signed_on)},
    )
    return scan


@action
def file_closure_letter_copy(closure: Closure, *, by: User, upload) -> CaseFile:
    """CII101 step 11: the copy of the closure letter as it was sent, kept with the archived
    dossier (the one record still added to a closed case)."""
    case = closure.case
    policy.require(by, "file_closure_letter_copy", case)
    scan = _store_file(case, upload, by=by, category=FileCategory.CLOSURE_LETTER, closure=closure)
    _journal(case, by, JournalKind.RECORD, event=events.CLOSURE_LETTER_FILED)
    return scan


@action
def add_attachment(case: Case, *, by: User, upload, category: str, description: str = "") -> CaseFile:
    """A document about the case (medical report, decision, CV, correspondence, ...)."""
    from cases.models.files import ATTACHMENT_CATEGORIES

    policy.require(by, "file_documents", case)
    if category not in dict(ATTACHMENT_CATEGORIES):
        raise ActionRefused([_("Choose the category of the file.")])
    attachment = _store_file(case, upload, by=by, category=category, description=description.strip())
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.FILE_ADDED,
        params={"category": attachment.category, "name": attachment.original_name},
    )
    return attachment


@action
def withdraw_file(case_file: CaseFile, *, by: User, reason: str) -> None:
    """A file filed by mistake is withdrawn, not deleted: it stays in the record (and in
    the storage) with who withdrew it, when and why; the lists show it struck out."""
    case = case_file.case
    policy.require(by, "withdraw_file", case)
    if case_file.is_withdrawn:
        raise ActionRefused([_("This file has already been withdrawn.")])
    if not reason.strip():
        raise ActionRefused([_("Say why the file is withdrawn.")])
    case_file.withdrawn_at = timezone.now()
    case_file.withdrawn_by = by
    case_file.withdrawal_reason = reason.strip()
    case_file.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.FILE_WITHDRAWN,
        params={"name": case_file.original_name, "reason": reason.strip()},
    )


@action
def mark_documents(items: Iterable, *, by: User, mark: str) -> list[PrintMark]:
    """The secretariat printed or sent documents of the print queue (cases/documents/printqueue.py):
    one mark per document, one journal entry per case."""
    from cases.models import PrintMarkKind

    policy.require(by, "use_print_queue")
    if mark not in PrintMarkKind.values:
        raise ActionRefused([_("Unknown mark.")])
    items = list(items)
    marks = PrintMark.objects.bulk_create(
        PrintMark(case=item.case, document=item.document, plan=item.plan, mark=mark, marked_by=by) for item in items
    )
    by_case: dict[int, list] = {}
    for item in items:
        by_case.setdefault(item.case.pk, []).append(item)
    entries = [
        _entry(
            same[0].case,
            by,
            JournalKind.RECORD,
            event=events.DOCUMENTS_MARKED,
            params={
                "documents": [{"document": item.document, "version": item.plan.version if item.plan else None} for item in same],
                "mark": mark,
            },
        )
        for same in by_case.values()
    ]
    with transaction.atomic(savepoint=False):
        chain.seal(entries)
        JournalEntry.objects.bulk_create(entries)
    return marks


@action
def save_letterhead(letterhead: Letterhead, *, by: User, logo=None, remove_logo: bool = False) -> Letterhead:
    """The cantonal officer changes the letterhead of every document (the change history
    keeps each earlier version, logo included)."""
    from django.core.exceptions import ValidationError

    from cases.documents.uploads import IMAGE_TYPES, LOGO_MAX_BYTES, check_file

    policy.require(by, "edit_letterhead")
    if logo is not None:
        try:
            letterhead.logo_type = check_file(logo, types=IMAGE_TYPES, max_bytes=LOGO_MAX_BYTES)
        except ValidationError as error:
            raise ActionRefused(error.messages) from None
        letterhead.logo = logo
    elif remove_logo:
        letterhead.logo = ""
        letterhead.logo_type = ""
    letterhead.full_clean()
    letterhead.save()
    if logo is not None:
        stored(letterhead.logo)
    return letterhead


# --- correcting the case: the person, the facts, the case manager ---------------------------


def _changed(instance, fields: dict) -> list[str]:
    """The names of the fields whose value ``fields`` changes on ``instance`` (the journal
    shows their labels in the reader's language)."""
    return [name for name, value in fields.items() if getattr(instance, name) != value]


@action
def correct_person(case: Case, *, by: User, fields: dict, version: int | None) -> Person:
    """Correct the person's data (names, birth date, AHV number, address, contact,
    correspondence language); the change history keeps before and after. Refused when
    someone else saved the person after ``version`` (the form's), or when another person
    already has the AHV number."""
    from cases.audit.versions import check_version

    policy.require(by, "edit_person", case)
    person = Person.objects.select_for_update().get(pk=case.person_id)
    check_version(person, version, fields=list(fields))
    ahv_number = fields.get("ahv_number", person.ahv_number)
    if ahv_number and Person.objects.filter(ahv_number=ahv_number).exclude(pk=person.pk).exists():
        raise ActionRefused(
            [_("Another person already has this AHV number: check the number, or report the case for that person.")]
        )
    changed = _changed(person, fields)
    if not changed:
        return person
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    case.person = person
    _journal(case, by, JournalKind.RECORD, event=events.PERSON_CORRECTED, params={"fields": changed})
    return person


@action
def correct_case_facts(case: Case, *, by: User, fields: dict, institutions: Iterable[Institution], version: int | None) -> Case:
    """Correct the facts of the case: the institutions involved (the reporting one always
    among them), the lead institution, region, theme, coordinator and reason. A new region or
    theme moves the case to that unit's coordinator, unless one of its coordinators is chosen;
    whoever sees the case follows (cases/flow/scope.py)."""
    from cases.audit.versions import check_version

    policy.require(by, "edit_case_facts", case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    check_version(locked, version, fields=list(fields))
    region, theme = fields.get("region", case.region), fields.get("theme", case.theme)
    unit = scope.unit_of_case(region.pk, theme.pk if theme is not None else None)
    coordinator = fields.get("coordinator", case.coordinator)
    if (
        coordinator is not None
        and not Membership.objects.active().filter(scope.unit_memberships_q(unit), user=coordinator).exists()
    ):
        if "coordinator" in fields and coordinator != case.coordinator:
            raise ActionRefused([_("The coordinator must be a coordinator of the case's region or theme.")])
        coordinator = default_coordinator(region, theme)
    if coordinator is None:
        coordinator = default_coordinator(region, theme)
    fields = {**fields, "coordinator": coordinator}
    changed = _changed(case, fields)
    before = {i.pk for i in case.institutions.all()}
    involved = {i.pk for i in institutions} | {case.reporting_institution_id}
    if involved != before:
        changed.append("institutions")
    if not changed:
        return case
    for name, value in fields.items():
        setattr(case, name, value)
    case.institutions_on_record = institutions_text(involved)
    case.full_clean(exclude=["state"])
    case.save()
    if involved != before:
        case.institutions.set(involved)
        named = {i.pk: i for i in Institution.objects.filter(pk__in=before | involved)}
        _journal(
            case,
            by,
            JournalKind.RECORD,
            event=events.INSTITUTIONS_CHANGED,
            params={
                "before": events.institution_names(named[pk] for pk in sorted(before)),
                "after": events.institution_names(named[pk] for pk in sorted(involved)),
            },
        )
    _journal(case, by, JournalKind.RECORD, event=events.CASE_FACTS_CORRECTED, params={"fields": changed})
    return case


@action
def replace_case_manager(case: Case, *, by: User, case_manager: User, reason: str) -> None:
    """The coordinator, with the team of contact persons, designates another case manager
    (always an IIZ contact person) and says why. From now on the case manager's deadlines and
    reminders are the new one's: reminders not yet sent to the previous one are dropped, and
    the next sweep addresses them anew. The previous case manager keeps no access as case
    manager (a grant can give it). The first-meeting deadline stays as it was: it runs from
    the designation after the round table or assessment (docs/cii101.md)."""
    policy.require(by, "replace_case_manager", case)
    problems = []
    if case_manager.pk == case.case_manager_id:
        problems.append(_("Choose another person than the present case manager."))
    if not case_manager.is_active or not scope.can_be_case_manager.test(case_manager):
        problems.append(_("The case manager must be an IIZ contact person."))
    if not reason.strip():
        problems.append(_("Say why the case manager changes."))
    if problems:
        raise ActionRefused(problems)
    previous = case.case_manager
    case.case_manager = case_manager
    try:
        case.save()
    except ConcurrentTransition as error:
        raise CaseConflict() from error
    Reminder.objects.filter(case=case, recipient=previous, sent_at__isnull=True, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    _notify(case, "designate_case_manager", by=by)  # the new case manager is designated
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.CASE_MANAGER_REPLACED,
        params={"previous": str(previous or "—"), "new": str(case_manager), "reason": reason.strip()},
    )
