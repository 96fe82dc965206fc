"""The right of access (art. 25 revised FADP / nDSG): everything the platform records about
one person, collected once and rendered as JSON (:func:`to_json`) or as a PDF
(:func:`cases.documents.rendering.render_subject_access`).

:func:`collect` returns plain data: dicts and lists with stable keys (the model field
names), strings, numbers, booleans, ``None``, dates and date-times (written as ISO 8601 in
Swiss local time by :func:`to_json`). Coded values carry their code and their label in the
active language (``{"code": "f", "label": "weiblich"}``); institutions, regions and themes
their code and name; staff members their name.

What is in it, per case: the case itself, round tables and assessments with their
participants, the person's resources data sheet, every version of the action plan with
goals and measures, reviews with the progress of each measure, powers of attorney, the
exit report, the closure, the journal, the per-case access grants, the files kept with the
case (attachments and signed scans, withdrawn ones included: their description, not their
content), the documents, the change history (:func:`cases.audit.history.changes`, the
engine of the change-history page too: who, when, what kind of change, which fields from
what to what, for every model on its tracked list) and the access log (who read the case,
when, how). The person's own change history is beside the person.

Not in it: the network addresses in the access log (they identify the staff member's
workstation, not anything about the person).

The number of queries does not depend on the number of cases or records: one per kind of
record (prefetched) and one per history table (the records named in a change joined in).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.audit import events, history
from cases.flow.grants import grant_label
from cases.flow.machine import steps
from cases.models import (
    AccessLog,
    ActionPlan,
    Case,
    CaseFile,
    CaseGrant,
    Closure,
    ExitReport,
    Goal,
    JournalEntry,
    Measure,
    MeasureProgress,
    Meeting,
    MeetingParticipant,
    Person,
    PowerOfAttorney,
    ResourcesSheet,
    Review,
)
from roles.models import BilingualNamed, User

FORMAT = "iiz.subject-access"
# 2: the resources data sheet per case replaces the plans' "resources" text;
# 3: a journal entry's text is rendered in the export's language, its event code beside it.
FORMAT_VERSION = 3

# --- values -------------------------------------------------------------------------------------


def choice(instance: models.Model, field_name: str) -> dict[str, str] | None:
    """A coded value as {"code", "label"}; None when empty and without a label."""
    return coded(instance._meta.get_field(field_name), getattr(instance, field_name))


def coded(field: models.Field, value: Any) -> dict[str, str] | None:
    labels = {str(k): v for k, v in field.flatchoices}
    if value in (None, "") and "" not in labels:
        return None
    return {"code": value, "label": str(labels.get(str(value), value))}


def user_name(user: User | None) -> str | None:
    return str(user) if user is not None else None


def named(unit: BilingualNamed | None) -> dict[str, str] | None:
    """An institution, region or theme: its code and its name in the active language."""
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _value(field: models.Field, raw: Any, obj: models.Model | None) -> Any:
    """A stored value (as in a history row, with the record it names, None if deleted since)
    in the form the export uses elsewhere."""
    if field.choices:
        return coded(field, raw)
    if field.is_relation:
        if raw is None:
            return None
        if obj is None:
            return {"id": raw, "name": None}
        if isinstance(obj, BilingualNamed):
            return named(obj)
        return str(obj)
    return raw


# --- the records ------------------------------------------------------------------------------


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        "ahv_number": person.ahv_number,
        "sex": choice(person, "sex"),
        "language": choice(person, "language"),
        "street": person.street,
        "postcode": person.postcode,
        "city": person.city,
        "phone": person.phone,
        "email": person.email,
        "created_at": person.created_at,
    }


# The dates of the steps of a case, in the order of the flow.
CASE_DATES = [
    "reported_at",
    "meeting_decided_at",
    "cm_designated_at",
    "first_meeting_on",
    "plan_submitted_at",
    "plan_validated_at",
    "implementation_finished_at",
    "exit_reported_at",
    "closed_at",
    "interrupted_at",
]


def _meeting(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "kind": choice(meeting, "kind"),
        "scheduled_for": meeting.scheduled_for,
        "place": meeting.place,
        "held_on": meeting.held_on,
        "work_capacity": meeting.work_capacity,
        "medical_situation": meeting.medical_situation,
        "employability": meeting.employability,
        "social_situation": meeting.social_situation,
        "result": meeting.result,
        "action_options": meeting.action_options,
        "decision": choice(meeting, "decision"),
        "decision_reason": meeting.decision_reason,
        "lead_institution": named(meeting.lead_institution),
        "designated_cm": user_name(meeting.designated_cm),
        "created_by": user_name(meeting.created_by),
        "created_at": meeting.created_at,
        "participants": [
            {
                "name": user_name(p.user) if p.user_id else p.name,
                "organisation": p.organisation,
                "function": p.function,
                "has_account": p.user_id is not None,
            }
            for p in meeting.participants.all()
        ],
    }


def _plan(plan: ActionPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "version": plan.version,
        "status": choice(plan, "status"),
        "notes": plan.notes,
        "signature_place": plan.signature_place,
        "signed_by_person_on": plan.signed_by_person_on,
        "signed_by_cm_on": plan.signed_by_cm_on,
        "author": user_name(plan.author),
        "created_at": plan.created_at,
        "submitted_at": plan.submitted_at,
        "submitted_by": user_name(plan.submitted_by),
        "decided_at": plan.decided_at,
        "validator": user_name(plan.validator),
        "decision_comment": plan.decision_comment,
        "refusal_reasons": plan.refusal_reasons,
        "proposed_options": plan.proposed_options,
        "goals": [{"id": g.pk, "position": g.position, "text": g.text} for g in plan.goals.all()],
        "measures": [
            {
                "id": m.pk,
                "position": m.position,
                "title": m.title,
                "catalogue_measure": m.catalogue_measure.name if m.catalogue_measure_id else None,
                "employer_contact": str(m.employer_contact) if m.employer_contact_id else None,
                "responsible_institution": named(m.responsible_institution),
                "starts_on": m.starts_on,
                "due_on": m.due_on,
                "status": choice(m, "status"),
                "result": m.result,
            }
            for m in plan.measures.all()
        ],
    }


def _resources_sheet(sheet: ResourcesSheet | None) -> dict[str, Any] | None:
    if sheet is None:
        return None
    return {
        "id": sheet.pk,
        **{name: getattr(sheet, name) for name in ResourcesSheet.CONTENT},
        "updated_by": user_name(sheet.updated_by),
        "updated_at": sheet.updated_at,
    }


def _review(review: Review, plan_versions: dict[int, int]) -> dict[str, Any]:
    return {
        "id": review.pk,
        "kind": choice(review, "kind"),
        "held_on": review.held_on,
        "summary": review.summary,
        "poa_check": choice(review, "poa_check"),
        "power_of_attorney_id": review.power_of_attorney_id,
        "decision": choice(review, "decision"),
        "network_informed": review.network_informed,
        "author": user_name(review.author),
        "created_at": review.created_at,
        "progress": [
            {
                "measure_id": p.measure_id,
                "measure": p.measure.title,
                "plan_version": plan_versions.get(p.measure.plan_id),
                "status": choice(p, "status"),
                "note": p.note,
            }
            for p in review.progress.all()
        ],
    }


def _power_of_attorney(poa: PowerOfAttorney) -> dict[str, Any]:
    return {
        "id": poa.pk,
        "signed_on": poa.signed_on,
        "valid_until": poa.valid_until,
        "institutions": [named(i) for i in poa.institutions.all()],
        "recorded_by": user_name(poa.recorded_by),
        "created_at": poa.created_at,
    }


def _exit_report(report: ExitReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "id": report.pk,
        "outcome": choice(report, "outcome"),
        "employer": report.employer,
        "job_title": report.job_title,
        "job_start_on": report.job_start_on,
        "workload_percent": report.workload_percent,
        "other_service": named(report.other_service),
        "other_service_detail": report.other_service_detail,
        "interruption_reason": choice(report, "interruption_reason"),
        "interruption_note": report.interruption_note,
        "summary": report.summary,
        "power_of_attorney_id": report.power_of_attorney_id,
        "poa_not_renewed_reason": report.poa_not_renewed_reason,
        "author": user_name(report.author),
        "created_at": report.created_at,
        "submitted_at": report.submitted_at,
    }


def _closure(closure) -> dict[str, Any] | None:
    if closure is None:
        return None
    return {
        "id": closure.pk,
        "closed_by": user_name(closure.closed_by),
        "closed_at": closure.closed_at,
        "letter_text": closure.letter_text,
        "archive_note": closure.archive_note,
    }


def step_labels() -> dict[str, str]:
    """The label of each step a journal entry can name (as on the case page's timeline)."""
    labels = {name: str(s.label) for name, s in steps().items()}
    labels.update(report=str(_("Case reported")), review=str(_("Review recorded")))
    return labels


def _journal_entry(entry: JournalEntry, steps: dict[str, str]) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "kind": choice(entry, "kind"),
        "author": user_name(entry.author),
        "step": {"code": entry.transition, "label": steps.get(entry.transition, entry.transition)} if entry.transition else None,
        "from_state": coded(Case._meta.get_field("state"), entry.from_state) if entry.from_state else None,
        "to_state": coded(Case._meta.get_field("state"), entry.to_state) if entry.to_state else None,
        "event": entry.event or None,
        "text": events.render(entry),
    }


def _grant(grant: CaseGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "user": user_name(grant.user),
        "permission": {"code": grant.permission.codename, "label": grant_label(grant.permission.codename)},
        "valid_until": grant.valid_until,
        "reason": grant.reason,
        "granted_by": user_name(grant.granted_by),
        "granted_at": grant.granted_at,
    }


def _access(entry: AccessLog) -> dict[str, Any]:
    return {
        "at": entry.at,
        "user": user_name(entry.user),
        "kind": choice(entry, "kind"),
        "detail": entry.detail,
        "detail_label": translation.gettext(entry.detail) if entry.detail else "",
    }


# The record a signed scan belongs to: (field of CaseFile, record type of the documents).
SCAN_RECORDS = (("plan_id", "action_plan"), ("power_of_attorney_id", "power_of_attorney"), ("closure_id", "closure"))


def _file(f: CaseFile) -> dict[str, Any]:
    """A file kept with the case (attachment or signed scan), withdrawn ones included: its
    description, not its content (the officer hands copies of the files themselves)."""
    record = next(({"type": kind, "id": getattr(f, name)} for name, kind in SCAN_RECORDS if getattr(f, name)), None)
    return {
        "id": f.pk,
        "category": choice(f, "category"),
        "description": f.description,
        "name": f.original_name,
        "content_type": f.content_type,
        "size": f.size,
        "uploaded_by": user_name(f.uploaded_by),
        "uploaded_at": f.uploaded_at,
        "record": record,
        "withdrawn_at": f.withdrawn_at,
        "withdrawn_by": user_name(f.withdrawn_by),
        "withdrawal_reason": f.withdrawal_reason,
    }


def _documents(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents of the case: the ones the records stand for (each plan version, the
    exit report, the closure letter, the powers of attorney), with the record that holds
    their content and, when its signed scan is filed (and not withdrawn), ``file``: the
    scan's {"id", "name", "content_type", "size"} (the file is in ``files``)."""
    scans = {
        (f["record"]["type"], f["record"]["id"]): {key: f[key] for key in ("id", "name", "content_type", "size")}
        for f in case["files"]
        if f["record"] and f["withdrawn_at"] is None
    }  # files come oldest first: the latest scan of a record wins
    docs = []
    for plan in case["plans"]:
        docs.append(
            _document(
                "action_plan",
                str(ActionPlan._meta.verbose_name),
                f"v{plan['version']}",
                plan["submitted_at"] or plan["created_at"],
                "action_plan",
                plan["id"],
                scans,
            )
        )
    for poa in case["powers_of_attorney"]:
        docs.append(
            _document(
                "power_of_attorney",
                str(PowerOfAttorney._meta.verbose_name),
                "",
                poa["signed_on"],
                "power_of_attorney",
                poa["id"],
                scans,
            )
        )
    report = case["exit_report"]
    if report is not None:
        docs.append(
            _document(
                "exit_report",
                str(ExitReport._meta.verbose_name),
                "",
                report["submitted_at"] or report["created_at"],
                "exit_report",
                report["id"],
                scans,
            )
        )
    closure = case["closure"]
    if closure is not None and closure["letter_text"]:
        docs.append(
            _document(
                "closure_letter",
                str(Closure._meta.get_field("letter_text").verbose_name),
                "",
                closure["closed_at"],
                "closure",
                closure["id"],
                scans,
            )
        )
    return docs


def _document(kind: str, title: str, detail: str, date, record_type: str, record_id: int, scans: dict) -> dict[str, Any]:
    if isinstance(date, datetime.datetime):
        date = timezone.localdate(date) if timezone.is_aware(date) else date.date()
    return {
        "kind": kind,
        "title": capfirst(f"{title} {detail}".strip()),
        "date": date,
        "record": {"type": record_type, "id": record_id},
        "file": scans.get((record_type, record_id)),
    }


# --- the change history ----------------------------------------------------------------------


def _change(change: history.Change) -> dict[str, Any]:
    """One change of :func:`cases.audit.history.changes` (the engine of the change-history
    page too), its values in the form the export uses elsewhere."""
    return {
        "at": change.at,
        "user": user_name(change.user),
        "change": {"code": change.kind_name, "label": str(change.kind_label)},
        "record": {
            "type": change.record_type,
            "type_label": change.model,
            "id": change.record_id,
            "label": change.record,
        },
        "earlier_version_missing": change.no_earlier_version,
        "fields": [
            {
                "field": f.name,
                "label": f.label,
                "before": _value(f.model_field, f.old_value, f.old_object),
                "after": _value(f.model_field, f.new_value, f.new_object),
            }
            for f in change.fields
        ],
    }


# --- the export --------------------------------------------------------------------------------


def cases_queryset(person: Person) -> models.QuerySet[Case]:
    """The person's cases with every record the export shows, oldest first."""
    return (
        Case.objects.filter(person=person)
        .select_related(
            "region",
            "theme",
            "reporting_institution",
            "reported_by",
            "coordinator",
            "case_manager",
            "exit_report__author",
            "exit_report__other_service",
            "closure__closed_by",
            "resources_sheet__updated_by",
        )
        .prefetch_related(
            Prefetch("institutions"),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.select_related("lead_institution", "designated_cm", "created_by")
                .prefetch_related(
                    Prefetch("participants", queryset=MeetingParticipant.objects.select_related("user").order_by("pk"))
                )
                .order_by("pk"),
            ),
            Prefetch(
                "plans",
                queryset=ActionPlan.objects.select_related("author", "submitted_by", "validator")
                .prefetch_related(
                    Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
                    Prefetch(
                        "measures",
                        queryset=Measure.objects.select_related(
                            "responsible_institution", "catalogue_measure", "employer_contact"
                        ).order_by("position", "pk"),
                    ),
                )
                .order_by("version"),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("author")
                .prefetch_related(
                    Prefetch(
                        "progress", queryset=MeasureProgress.objects.select_related("measure").order_by("measure__position", "pk")
                    )
                )
                .order_by("held_on", "pk"),
            ),
            Prefetch(
                "powers_of_attorney",
                queryset=PowerOfAttorney.objects.select_related("recorded_by")
                .prefetch_related("institutions")
                .order_by("signed_on", "pk"),
            ),
            Prefetch("journal", queryset=JournalEntry.objects.select_related("author").order_by("at", "pk")),
            Prefetch(
                "grants",
                queryset=CaseGrant.objects.select_related("user", "permission", "granted_by").order_by("granted_at", "pk"),
            ),
            Prefetch("access_log", queryset=AccessLog.objects.select_related("user").order_by("at", "pk")),
            Prefetch(
                "files", queryset=CaseFile.objects.select_related("uploaded_by", "withdrawn_by").order_by("uploaded_at", "pk")
            ),
        )
        .order_by("reported_at", "pk")
    )


def _one_to_one(case: Case, name: str):
    try:
        return getattr(case, name)
    except models.ObjectDoesNotExist:
        return None


def collect(person: Person, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything recorded about ``person``, for the right of access. Labels are in the
    active language."""
    cases = list(cases_queryset(person))
    case_ids = [case.pk for case in cases]
    history_by_case: dict[int | None, list] = {}  # None: the person's own changes
    for change in history.changes(case_ids, [person.pk]):
        history_by_case.setdefault(change.case_id, []).append(_change(change))

    exported = []
    steps = step_labels()
    state_field = Case._meta.get_field("state")
    for case in cases:
        plans = list(case.plans.all())
        versions = {plan.pk: plan.version for plan in plans}
        data = {
            "id": case.pk,
            "reference": case.reference,
            "state": coded(state_field, case.state),
            "cii101_step": case.cii101_step,
            "region": named(case.region),
            "theme": named(case.theme),
            "reporting_institution": named(case.reporting_institution),
            "reported_by": user_name(case.reported_by),
            "institutions": [named(i) for i in case.institutions.all()],
            "reason": case.reason,
            "coordinator": user_name(case.coordinator),
            "case_manager": user_name(case.case_manager),
            "dates": {name: getattr(case, name) for name in CASE_DATES},
            "meetings": [_meeting(m) for m in case.meetings.all()],
            "resources_sheet": _resources_sheet(_one_to_one(case, "resources_sheet")),
            "plans": [_plan(p) for p in plans],
            "reviews": [_review(r, versions) for r in case.reviews.all()],
            "powers_of_attorney": [_power_of_attorney(p) for p in case.powers_of_attorney.all()],
            "exit_report": _exit_report(_one_to_one(case, "exit_report")),
            "closure": _closure(_one_to_one(case, "closure")),
            "journal": [_journal_entry(e, steps) for e in case.journal.all()],
            "access_grants": [_grant(g) for g in case.grants.all()],
            "files": [_file(f) for f in case.files.all()],
        }
        data["documents"] = _documents(data)
        data["history"] = history_by_case.get(case.pk, [])
        data["access_log"] = [_access(entry) for entry in case.access_log.all()]
        exported.append(data)

    return {
        "export": {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "legal_basis": "Art. 25 DSG / LPD (SR 235.1)",
            "generated_at": now or timezone.now(),
            "language": translation.get_language(),
        },
        "person": _person(person),
        "person_history": history_by_case.get(None, []),
        "cases": exported,
    }


class ExportEncoder(DjangoJSONEncoder):
    """Dates as ISO 8601; date-times in Swiss local time with their offset, to the second."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            value = timezone.localtime(o) if timezone.is_aware(o) else o
            return value.isoformat(timespec="seconds")
        return super().default(o)


def to_json(data: dict[str, Any]) -> bytes:
    """The export as UTF-8 JSON (readable: indented, non-ASCII letters kept)."""
    return json.dumps(data, cls=ExportEncoder, ensure_ascii=False, indent=2).encode("utf-8")
