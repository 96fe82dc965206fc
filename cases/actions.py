"""Every change to a case goes through one of these actions.

Each action is atomic, checks the acting user against the case (role and flow rules),
takes the step on the state machine, writes the records and the journal entry in the same
transaction. Views call exactly one action and show its errors.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from simple_history.utils import bulk_create_with_history

from cases import deadlines
from cases.acting import action, stored
from cases.flow import machine, policy, scope
from cases.flow.grants import grant_label
from cases.flow.policy import ActionRefused
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
    MeetingKind,
    Person,
    PlanStatus,
    PowerOfAttorney,
    PrintMark,
    ReferenceCounter,
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


def _journal(
    case: Case, by: User, kind: str, text: str = "", *, transition: str = "", from_state: str = "", to_state: str = ""
) -> None:
    JournalEntry.objects.create(
        case=case, author=by, kind=kind, text=text, transition=transition, from_state=from_state, to_state=to_state
    )


def _step(case: Case, name: str, *, by: User, text: str = "", **changes) -> None:
    """Take transition ``name`` as ``by``, or raise ActionRefused with the reasons.
    ``changes`` are other fields of the case saved together with the new state."""
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
    _journal(case, by, JournalKind.TRANSITION, text, transition=name, from_state=from_state, to_state=case.state)


# --- intake (CII101 step 1) ---------------------------------------------------------------


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


def likely_duplicates(*, ahv_number: str, first_name: str, last_name: str, birth_date: datetime.date | None):
    """Persons who are probably the same: same AHV number, or same name and birth date."""
    match = Q()
    if ahv_number:
        match |= Q(ahv_number=ahv_number)
    if birth_date and first_name and last_name:
        match |= Q(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(), birth_date=birth_date)
    if not match:
        return Person.objects.none()
    return Person.objects.filter(match).prefetch_related("cases")


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
) -> Case:
    """CII101 step 1: a front-line worker or contact person reports a case.

    ``person`` may be new (unsaved) or an existing one (a person reported again); a person
    who has an open case cannot get a second one.
    """
    policy.require(by, "report_case")
    if person.pk and person.cases.exclude(state__in=[CaseState.CLOSED, CaseState.NO_CASE_MANAGEMENT]).exists():
        raise ActionRefused([_("This person already has an open case.")])
    person.full_clean()
    person.save()
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
    case.save()
    involved = {i.pk for i in institutions} | {reporting_institution.pk}
    case.institutions.set(involved)
    _journal(case, by, JournalKind.TRANSITION, reason, transition="report", to_state=case.state)
    return case


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
) -> Meeting:
    """Record the date, place, participants and result of a round table or assessment, and
    (``resources``, when changed) the person's resources data sheet established there."""
    policy.require(by, "record_meeting", meeting.case)
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
        _("%(meeting)s recorded") % {"meeting": meeting.get_kind_display()}
        if is_new
        else _("%(meeting)s updated") % {"meeting": meeting.get_kind_display()},
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
        text=str(designated or ""),
        case_manager=designated,
        cm_designated_at=timezone.now(),
    )


# --- the action plan (CII101 steps 4, 5, 8) -----------------------------------------------


@action
def start_plan(case: Case, *, by: User, first_meeting_on: datetime.date) -> ActionPlan:
    """CII101 step 4: the case manager has met the person; the first plan version opens."""
    if first_meeting_on > timezone.localdate():
        raise ActionRefused([_("The first meeting cannot be in the future.")])
    _step(
        case,
        "start_plan",
        by=by,
        text=_("First meeting with the person on %(date)s") % {"date": first_meeting_on.strftime("%d.%m.%Y")},
        first_meeting_on=first_meeting_on,
    )
    plan = ActionPlan.objects.create(case=case, version=1, author=by)
    case.refresh_records()
    return plan


@action
def save_plan(
    plan: ActionPlan, *, by: User, goals: list[str], measures: list[dict], resources: ResourcesSheet | None = None
) -> ActionPlan:
    """Save a draft version: its fields, goals and measures (replacing the earlier ones), and
    (``resources``, when changed) the person's resources data sheet."""
    policy.require(by, "edit_plan", plan.case)
    if not plan.is_editable:
        raise ActionRefused([policy.operation("edit_plan").not_now])
    if resources is not None:
        save_resources(resources, by=by)
    plan.full_clean()
    plan.save()
    plan.goals.all().delete()
    bulk_create_with_history(
        [Goal(plan=plan, position=i, text=text) for i, text in enumerate(goals) if text.strip()], Goal, default_user=by
    )
    kept = []
    for i, data in enumerate(measures):
        measure_id = data.pop("id", None)
        measure = Measure(plan=plan, position=i, **data)
        if measure_id:
            measure.pk = measure_id
            measure._state.adding = False  # an existing row: its own pk is not a duplicate
        measure.full_clean(exclude=["plan"])
        measure.save()
        kept.append(measure.pk)
    plan.measures.exclude(pk__in=kept).delete()
    plan.__dict__.pop("goals_list", None)
    plan.__dict__.pop("measures_list", None)
    _journal(plan.case, by, JournalKind.RECORD, _("Action plan v%(version)s saved") % {"version": plan.version})
    return plan


@action
def submit_plan(case: Case, *, by: User) -> None:
    now = timezone.now()
    _step(case, "submit_plan", by=by, plan_submitted_at=now)
    plan = case.records.current_plan
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = now
    plan.save(update_fields=["status", "submitted_at"])


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
def send_back_plan(case: Case, *, by: User, comment: str) -> None:
    """CII101 step 5: not validated; the coordinator proposes other options (required)."""
    if not comment.strip():
        raise ActionRefused([_("Say which other options you propose when sending the plan back.")])
    _step(case, "send_back_plan", by=by, text=comment)
    plan = case.records.current_plan
    plan.status = PlanStatus.SENT_BACK
    plan.validator = by
    plan.decided_at = timezone.now()
    plan.decision_comment = comment
    plan.signed_by_person_on = None  # a changed plan must be signed again
    plan.signed_by_cm_on = None
    plan.save(update_fields=["status", "validator", "decided_at", "decision_comment", "signed_by_person_on", "signed_by_cm_on"])


def _new_version(case: Case, *, by: User) -> ActionPlan:
    previous = case.records.current_plan
    plan = ActionPlan.objects.create(
        case=case,
        version=previous.version + 1,
        author=by,
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
        _("Resources data sheet recorded") if is_new else _("Resources data sheet updated"),
    )
    return sheet


# --- reviews and power of attorney (CII101 step 7) ----------------------------------------


@action
def record_power_of_attorney(
    case: Case, *, by: User, signed_on: datetime.date, institutions: Iterable[Institution]
) -> PowerOfAttorney:
    policy.require(by, "record_power_of_attorney", case)
    if signed_on > timezone.localdate():
        raise ActionRefused([_("A power of attorney cannot be signed in the future.")])
    poa = PowerOfAttorney(case=case, signed_on=signed_on, recorded_by=by)
    poa.save()
    poa.institutions.set(institutions)
    deadlines.keep_dates(case)
    _journal(
        case,
        by,
        JournalKind.RECORD,
        _("Power of attorney signed on %(date)s, valid until %(until)s")
        % {"date": signed_on.strftime("%d.%m.%Y"), "until": poa.valid_until.strftime("%d.%m.%Y")},
    )
    return poa


@action
def record_review(
    case: Case, *, by: User, review: Review, progress: Iterable[dict] = (), resources: ResourcesSheet | None = None
) -> Review:
    """CII101 steps 7-9: a review, the progress of each measure, the power-of-attorney check
    (reviews with the person), the resources data sheet brought up to date (``resources``,
    when changed), then the decision: continue, change or finish the plan."""
    if review.decision != ReviewDecision.CONTINUE:
        policy.require(by, "decide_at_review", case)
    policy.require(by, policy.REVIEW_OPERATIONS[review.kind], case)
    if review.kind == ReviewKind.WITH_PERSON and not review.poa_check:
        raise ActionRefused([_("At a review with the person, check the power of attorney (valid, renewed or refused).")])
    if resources is not None:
        save_resources(resources, by=by)  # while the case is still in implementation
    review.case = case
    review.author = by
    review.full_clean()
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
def save_exit_report(report: ExitReport, *, by: User) -> ExitReport:
    policy.require(by, "write_exit_report", report.case)
    report.full_clean()
    report.save()
    _journal(report.case, by, JournalKind.RECORD, _("Exit report saved"))
    return report


@action
def submit_exit_report(case: Case, *, by: User) -> None:
    now = timezone.now()
    _step(case, "submit_exit_report", by=by, exit_reported_at=now)
    report = case.records.exit_report
    report.submitted_at = now
    report.save(update_fields=["submitted_at"])


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
    return JournalEntry.objects.create(case=case, author=by, kind=kind, text=text)


def simple_step(case: Case, name: str, *, by: User, text: str = "") -> None:
    """A transition that needs no other input (used by the generic step view)."""
    actions = {
        "plan_round_table": lambda: plan_meeting(case, by=by, kind=MeetingKind.ROUND_TABLE),
        "plan_assessment": lambda: plan_meeting(case, by=by, kind=MeetingKind.ASSESSMENT),
        "end_without_case_management": lambda: end_without_case_management(case, by=by),
        "designate_case_manager": lambda: designate_case_manager(case, by=by),
        "submit_plan": lambda: submit_plan(case, by=by),
        "validate_plan": lambda: validate_plan(case, by=by, comment=text),
        "send_back_plan": lambda: send_back_plan(case, by=by, comment=text),
        "change_plan": lambda: change_plan(case, by=by, reason=text),
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
        _("Access given to %(user)s (%(kind)s) until %(date)s: %(reason)s")
        % {"user": user, "kind": grant_label(permission), "date": valid_until.strftime("%d.%m.%Y"), "reason": reason},
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
        _("Access of %(user)s (%(kind)s) revoked") % {"user": grant.user, "kind": grant_label(grant.permission.codename)},
    )


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
    if plan.status == PlanStatus.SUPERSEDED:
        raise ActionRefused([_("This version of the plan has been replaced by a newer one.")])
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
        _("Signed action plan v%(version)s filed (signed in %(place)s on %(person)s and %(cm)s)")
        % {
            "version": plan.version,
            "place": signature_place,
            "person": signed_by_person_on.strftime("%d.%m.%Y"),
            "cm": signed_by_cm_on.strftime("%d.%m.%Y"),
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
        _("Signed power of attorney of %(date)s filed") % {"date": poa.signed_on.strftime("%d.%m.%Y")},
    )
    return scan


@action
def file_closure_letter_copy(closure: Closure, *, by: User, upload) -> CaseFile:
    """CII101 step 11: the copy of the closure letter as it was sent, kept with the archived
    dossier (the one record still added to a closed case)."""
    case = closure.case
    policy.require(by, "file_closure_letter_copy", case)
    scan = _store_file(case, upload, by=by, category=FileCategory.CLOSURE_LETTER, closure=closure)
    _journal(case, by, JournalKind.RECORD, _("Copy of the closure letter filed"))
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
        _("File added: %(category)s, %(name)s")
        % {"category": attachment.get_category_display(), "name": attachment.original_name},
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
        _("File withdrawn: %(name)s (%(reason)s)") % {"name": case_file.original_name, "reason": reason.strip()},
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
    label = PrintMarkKind(mark).label
    JournalEntry.objects.bulk_create(
        JournalEntry(
            case=same[0].case,
            author=by,
            kind=JournalKind.RECORD,
            text=_("%(documents)s: %(mark)s") % {"documents": ", ".join(str(item.title) for item in same), "mark": label},
        )
        for same in by_case.values()
    )
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
