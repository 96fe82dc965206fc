"""The change history of cases, read from django-simple-history: the one engine behind the
case's change-history page (``cases.views.audit.history``) and the change history in the
right-of-access export (``cases.documents.subject_access``). Revised FADP: a record of who
changed what.

:data:`TRACKED` lists every model with ``HistoricalRecords`` that belongs to a case (the
case, its person and their records), :data:`NOT_TRACKED` every other model of a case with
the reason it has no change history; tests/cases/test_history.py checks that together they
name every model of a case, so that a new model is not left out of the page or the export.

:func:`changes` reads the history rows of some cases (and persons) and compares each saved
version of a record with the version before it: who, when, created, changed or deleted,
which fields from what to what. One query per history table, whatever the number of
changes: the records named by foreign keys are joined in.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cases.models import (
    AccessLog,
    ActionPlan,
    AgendaItem,
    Case,
    CaseFile,
    CaseGrant,
    Closure,
    Cost,
    Decision,
    Dispute,
    ExitReport,
    FundingRequest,
    FundMovement,
    Goal,
    InvoiceLine,
    JournalEntry,
    Measure,
    MeasureProgress,
    Meeting,
    MeetingParticipant,
    Notification,
    Participant,
    Person,
    PowerOfAttorney,
    PrintMark,
    Reminder,
    ResourcesSheet,
    RetentionHold,
    Review,
    ScheduledMeeting,
)

if TYPE_CHECKING:
    from roles.models import User

CREATED, CHANGED, DELETED = "+", "~", "-"
EMPTY = "—"

# How the history rows of a model are found, and which case they belong to.
OWN = "self"  # the case itself
PERSON = "person"  # the person: beside the cases
BY_CASE = "case"  # a foreign key "case" to the case
BY_PLAN = "plan"  # a foreign key "plan" to a version of the action plan of the case


def _short_date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _plan_item(text: str, row, plan_versions: dict[int, int]) -> str:
    version = plan_versions.get(row.plan_id)
    return (f"v{version}: " if version else "") + text


@dataclass(frozen=True)
class Tracked:
    """A model whose saved versions are in the change history."""

    model: type[models.Model]
    key: str  # the record's type in the export, e.g. "action_plan"
    owner: str  # OWN, PERSON, BY_CASE or BY_PLAN
    label: Callable[[Any, dict[int, int]], str]  # which record a history row is about, in a few words
    hidden: tuple[str, ...] = ()  # fields never shown, besides the key and the link to the owner
    join: tuple[str, ...] = ()  # what the records named by foreign keys need to be named

    @property
    def never_compared(self) -> set[str]:
        return {"id", *self.hidden, *((self.owner,) if self.owner in (BY_CASE, BY_PLAN) else ())}


# The models with HistoricalRecords that belong to a case, in the order the page lists
# their kinds of record.
TRACKED: list[Tracked] = [
    Tracked(Case, "case", OWN, lambda row, _v: row.reference),
    Tracked(Person, "person", PERSON, lambda row, _v: f"{row.first_name} {row.last_name}"),
    Tracked(ActionPlan, "action_plan", BY_CASE, lambda row, _v: f"v{row.version}"),
    # A goal's or a measure's place in the list follows the rows of the plan form: removing
    # one moves those below it without changing them, so the place is never shown.
    Tracked(Goal, "goal", BY_PLAN, lambda row, versions: _plan_item(row.text, row, versions), hidden=("position",)),
    Tracked(
        Measure,
        "measure",
        BY_PLAN,
        lambda row, versions: _plan_item(row.title, row, versions),
        hidden=("position",),
        join=("catalogue_measure__institution",),
    ),
    Tracked(
        Meeting,
        "meeting",
        BY_CASE,
        lambda row, _v: " ".join(part for part in (str(row.get_kind_display()), _short_date(row.held_on)) if part),
    ),
    # Who updated the sheet and when is the history row's own user and date.
    Tracked(ResourcesSheet, "resources_sheet", BY_CASE, lambda row, _v: "", hidden=("updated_at", "updated_by")),
    Tracked(Review, "review", BY_CASE, lambda row, _v: _short_date(row.held_on)),
    Tracked(
        PowerOfAttorney,
        "power_of_attorney",
        BY_CASE,
        lambda row, _v: _("signed on %(date)s") % {"date": _short_date(row.signed_on)},
    ),
    Tracked(ExitReport, "exit_report", BY_CASE, lambda row, _v: ""),
    # The file's place in the storage is never shown (nor exported): its name is.
    Tracked(CaseFile, "file", BY_CASE, lambda row, _v: row.original_name, hidden=("file",), join=("closure__case",)),
]

# The other models of a case: why they have no change history.
NOT_TRACKED: dict[type[models.Model], str] = {
    AccessLog: "the access log: append-only, it is itself the record of who read the case",
    JournalEntry: "the journal: append-only, it is itself the record of what happened to the case",
    CaseGrant: "per-case access: giving and revoking it is written to the journal (who, to whom, until when, why)",
    Closure: "written once when the case is closed; the case is read-only from then on",
    MeetingParticipant: "replaced with each save of its meeting; the current list is in the export",
    MeasureProgress: "written once with its review; the measure's status and result are tracked with the measure",
    Reminder: "reminders of deadlines to the staff: derived from the case's dates, not data of the case",
    PrintMark: "print-queue marks: append-only, and the journal tells the same",
    FundingRequest: "a funding request to the legal commission: each step (submitted, sent back, put on the agenda, decided) is written to the case's journal",
    Decision: "a decision of the legal commission: written once, and the case's journal records it",
    FundMovement: "a payment or refund of the employment fund: written once, never changed",
    ScheduledMeeting: "a meeting's date, place and state: each change (scheduled, moved, cancelled, held) is written to the journal of its cases",
    AgendaItem: "a case on a meeting's agenda and its checklist: each tick is written to the case's journal, by whom and when",
    Participant: "who is invited and their reply: each reply is written to the case's journal, by whom and when",
    Cost: "a cost billed to the institutions: the accounting log (AccountingEntry) records who entered it",
    InvoiceLine: "a position of an invoice, written with its draft and never changed once sent; the accounting log records the invoice's steps",
    Notification: "what a user was told of a step: derived from the step, which the journal records; not data of the case",
    RetentionHold: "the officer's hold of an ended case past its retention period: holding and lifting it are written to the journal (who, when, why)",
    Dispute: "a dispute between institutions: each step is written once by its action and told in the journal (what was recorded, agreed, escalated, decided)",
}


def tracked(model: type[models.Model]) -> Tracked:
    return next(t for t in TRACKED if t.model is model)


def tracked_records() -> str:
    """The kinds of record whose changes are in the history, besides the case and the person,
    for the reader (e.g. "action plans, goals, measures, ...")."""
    return ", ".join(str(t.model._meta.verbose_name_plural) for t in TRACKED if t.owner not in (OWN, PERSON))


# --- the changes -------------------------------------------------------------------------------


def display_value(f: models.Field, value: Any, obj: models.Model | None = None) -> str:
    """A stored value as the user reads it: choices by their label, related records (``obj``)
    by their name, dates in the Swiss format."""
    if f.choices:
        labels = dict(f.flatchoices)
        if value in labels:
            return str(labels[value])
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        return str(obj) if obj is not None else _("#%(id)s (deleted)") % {"id": value}
    if isinstance(f, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(f, models.DateTimeField):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


@dataclass
class FieldChange:
    """One field of a record, before and after: the stored values, the records they name
    (foreign keys; None when deleted since), and the values as the user reads them."""

    model_field: models.Field = dataclasses.field(repr=False)
    old_value: Any = None
    new_value: Any = None
    old_object: models.Model | None = dataclasses.field(repr=False, default=None)
    new_object: models.Model | None = dataclasses.field(repr=False, default=None)

    @property
    def name(self) -> str:
        return self.model_field.name

    @property
    def label(self) -> str:
        return str(capfirst(self.model_field.verbose_name))

    @property
    def before(self) -> str:
        return display_value(self.model_field, self.old_value, self.old_object)

    @property
    def after(self) -> str:
        return display_value(self.model_field, self.new_value, self.new_object)


@dataclass
class Change:
    """One saved version of one record, compared with the version before it."""

    at: datetime.datetime
    user: User | None
    kind: str  # CREATED, CHANGED or DELETED
    record_type: str  # the record's type in the export, e.g. "action_plan"
    model: str  # the record's kind for the reader, e.g. "Action plan"
    record_id: int
    record: str  # which one, e.g. "v2"
    case_id: int | None  # None: the person's data
    fields: list[FieldChange] = dataclasses.field(default_factory=list)
    no_earlier_version: bool = False  # changed, but the version before was never recorded
    order: tuple = ()

    @property
    def kind_label(self) -> str:
        return {CREATED: _("created"), CHANGED: _("changed"), DELETED: _("deleted")}[self.kind]

    @property
    def kind_name(self) -> str:
        return {CREATED: "created", CHANGED: "changed", DELETED: "deleted"}[self.kind]


def _compared_fields(t: Tracked) -> list[models.Field]:
    hidden = t.never_compared
    return [f for f in t.model.history.model.tracked_fields if f.name not in hidden and not f.primary_key]


def _history_querysets(case_ids: list[int], person_ids: list[int]) -> list[tuple[Tracked, models.QuerySet]]:
    """The history rows of the cases, their records and the persons, per tracked model, each
    record's rows oldest first, with the records their foreign keys name (one query each)."""
    plan_ids = ActionPlan.history.filter(case_id__in=case_ids).values("id")
    found = []
    for t in TRACKED:
        if t.owner == PERSON:
            ids, lookup = person_ids, {"id__in": person_ids}
        elif t.owner == OWN:
            ids, lookup = case_ids, {"id__in": case_ids}
        elif t.owner == BY_PLAN:
            ids, lookup = case_ids, {"plan_id__in": plan_ids}
        else:
            ids, lookup = case_ids, {"case_id__in": case_ids}
        if not ids:
            continue
        named = [f.name for f in _compared_fields(t) if f.is_relation]
        qs = (
            t.model.history.filter(**lookup)
            .select_related("history_user", *named, *t.join)
            .order_by("id", "history_date", "history_id")
        )
        found.append((t, qs))
    return found


def _related(row, f: models.Field) -> models.Model | None:
    """The record a foreign key of a history row names (joined in), None if deleted since."""
    field = row._meta.get_field(f.name)
    if field.is_cached(row):
        return field.get_cached_value(row)
    try:
        return getattr(row, f.name)
    except models.ObjectDoesNotExist:
        return None


def _changes_of(t: Tracked, rows: list, plan_versions: dict[int, int], plan_cases: dict[int, int]) -> list[Change]:
    """Compare each history row with the one before it for the same record."""
    if not rows:
        return []
    compared = _compared_fields(t)
    verbose = str(capfirst(t.model._meta.verbose_name))
    found = []
    previous = None
    for row in rows:
        if previous is not None and previous.id != row.id:
            previous = None
        kind = row.history_type
        diffs = []
        if kind == CHANGED and previous is not None:
            for f in compared:
                old, new = getattr(previous, f.attname), getattr(row, f.attname)
                if old != new:
                    diffs.append(
                        FieldChange(
                            f,
                            old,
                            new,
                            _related(previous, f) if f.is_relation and old is not None else None,
                            _related(row, f) if f.is_relation and new is not None else None,
                        )
                    )
            if not diffs:  # saved without any change
                previous = row
                continue
        if t.owner == PERSON:
            case_id = None
        elif t.owner == OWN:
            case_id = row.id
        elif t.owner == BY_PLAN:
            case_id = plan_cases.get(row.plan_id)
        else:
            case_id = row.case_id
        found.append(
            Change(
                at=row.history_date,
                user=row.history_user,
                kind=kind,
                record_type=t.key,
                model=verbose,
                record_id=row.id,
                record=t.label(row, plan_versions),
                case_id=case_id,
                fields=diffs,
                no_earlier_version=kind == CHANGED and previous is None,
                order=(row.history_date, row.history_id),
            )
        )
        previous = row
    return found


def changes(case_ids: Iterable[int], person_ids: Iterable[int] = (), *, newest_first: bool = False) -> list[Change]:
    """Every change to the cases (their data and their records) and to the persons, oldest
    first (or newest first): one query per history table."""
    loaded = [(t, list(qs)) for t, qs in _history_querysets(list(case_ids), list(person_ids))]
    plans = [row for t, rows in loaded if t.model is ActionPlan for row in rows]
    plan_versions = {row.id: row.version for row in plans}
    plan_cases = {row.id: row.case_id for row in plans}
    found = []
    for t, rows in loaded:
        found.extend(_changes_of(t, rows, plan_versions, plan_cases))
    found.sort(key=lambda c: c.order, reverse=newest_first)
    return found


def case_changes(case: Case) -> list[Change]:
    """Every change to the case's data, its person's and its records', newest first."""
    return changes([case.pk], [case.person_id], newest_first=True)
