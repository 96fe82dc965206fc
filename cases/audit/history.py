"""The change history of one case, read from django-simple-history: every saved version of
the case, its person and its records (plans with goals and measures, meetings, reviews,
powers of attorney, the exit report), merged newest first, each change with who, when and
the fields before and after (revised FADP: a record of who changed what).

One query per history table and at most one per kind of related record shown, whatever
the number of changes.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from cases.models import ActionPlan, Case, ExitReport, Goal, Measure, Meeting, Person, PowerOfAttorney, Review

if TYPE_CHECKING:
    from roles.models import User

CREATED, CHANGED, DELETED = "+", "~", "-"
EMPTY = "—"


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    # Raw values, to resolve foreign keys once for a whole page.
    model_field: models.Field = dataclasses.field(repr=False)
    old_value: Any = dataclasses.field(repr=False, default=None)
    new_value: Any = dataclasses.field(repr=False, default=None)


@dataclass
class Change:
    """One saved version of one record, compared with the version before it."""

    at: datetime.datetime
    user: User | None
    kind: str  # CREATED, CHANGED or DELETED
    model: str  # the record's kind, e.g. "Action plan"
    record: str  # which one, e.g. "v2"
    fields: list[FieldChange] = dataclasses.field(default_factory=list)
    no_earlier_version: bool = False  # changed, but the version before was never recorded
    order: tuple = ()

    @property
    def kind_label(self) -> str:
        return {CREATED: _("created"), CHANGED: _("changed"), DELETED: _("deleted")}[self.kind]

    @property
    def kind_name(self) -> str:
        return {CREATED: "created", CHANGED: "changed", DELETED: "deleted"}[self.kind]


def _history_querysets(case: Case) -> list[tuple[type[models.Model], models.QuerySet]]:
    """The history rows of the case's data, per model (each one query when evaluated)."""
    plan_ids = ActionPlan.history.filter(case_id=case.pk).values("id")
    rows = [
        (Case, Case.history.filter(id=case.pk)),
        (Person, Person.history.filter(id=case.person_id)),
        (ActionPlan, ActionPlan.history.filter(case_id=case.pk)),
        (Goal, Goal.history.filter(plan_id__in=plan_ids)),
        (Measure, Measure.history.filter(plan_id__in=plan_ids)),
        (Meeting, Meeting.history.filter(case_id=case.pk)),
        (Review, Review.history.filter(case_id=case.pk)),
        (PowerOfAttorney, PowerOfAttorney.history.filter(case_id=case.pk)),
        (ExitReport, ExitReport.history.filter(case_id=case.pk)),
    ]
    return [(model, qs.select_related("history_user").order_by("id", "history_date", "history_id")) for model, qs in rows]


# Fields never shown: the key and the link to the record the row belongs to (they do not change).
HIDDEN_FIELDS = {"id", "case", "plan"}


def _compared_fields(history_model) -> list[models.Field]:
    return [f for f in history_model.tracked_fields if f.name not in HIDDEN_FIELDS and not f.primary_key]


def _record_label(model: type[models.Model], row, plan_versions: dict[int, int]) -> str:
    """Which record a history row is about, in a few words."""
    if model is Case:
        return row.reference
    if model is Person:
        return f"{row.first_name} {row.last_name}"
    if model is ActionPlan:
        return f"v{row.version}"
    if model in (Goal, Measure):
        text = row.text if model is Goal else row.title
        version = plan_versions.get(row.plan_id)
        prefix = f"v{version}: " if version else ""
        return prefix + Truncator(text).chars(80)
    if model is Meeting:
        return " ".join(part for part in (str(row.get_kind_display()), _short_date(row.held_on)) if part)
    if model is Review:
        return _short_date(row.held_on)
    if model is PowerOfAttorney:
        return _("signed on %(date)s") % {"date": _short_date(row.signed_on)}
    return ""


def _short_date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def display_value(f: models.Field, value: Any, related: dict | None = None) -> str:
    """A stored value as the user reads it: choices by their label, related records by
    their name, dates in the Swiss format."""
    if f.choices:
        labels = dict(f.flatchoices)
        if value in labels:
            return str(labels[value])
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        obj = (related or {}).get(f.related_model, {}).get(value)
        return str(obj) if obj is not None else _("#%(id)s (deleted)") % {"id": value}
    if isinstance(f, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(f, models.DateTimeField):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _changes_of(model, rows: list, plan_versions: dict[int, int]) -> list[Change]:
    """Compare each history row with the one before it for the same record."""
    if not rows:
        return []
    compared = _compared_fields(type(rows[0]))
    verbose = capfirst(model._meta.verbose_name)
    changes = []
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
                    diffs.append(FieldChange(capfirst(f.verbose_name), "", "", f, old, new))
            if not diffs:  # saved without any change
                previous = row
                continue
        changes.append(
            Change(
                at=row.history_date,
                user=row.history_user,
                kind=kind,
                model=str(verbose),
                record=_record_label(model, row, plan_versions),
                fields=diffs,
                no_earlier_version=kind == CHANGED and previous is None,
                order=(row.history_date, row.history_id),
            )
        )
        previous = row
    return changes


def case_changes(case: Case) -> list[Change]:
    """Every change to the case's data, newest first (values not yet displayed: see
    ``display``)."""
    loaded = [(model, list(qs)) for model, qs in _history_querysets(case)]
    plan_versions = {row.id: row.version for model, rows in loaded if model is ActionPlan for row in rows}
    changes = []
    for model, rows in loaded:
        changes.extend(_changes_of(model, rows, plan_versions))
    changes.sort(key=lambda c: c.order, reverse=True)
    return changes


def display(changes: list[Change]) -> list[Change]:
    """Fill in the readable before and after values of these changes: related records are
    looked up with one query per kind of record."""
    wanted: dict[type[models.Model], set] = {}
    for change in changes:
        for fc in change.fields:
            if fc.model_field.is_relation:
                wanted.setdefault(fc.model_field.related_model, set()).update(
                    v for v in (fc.old_value, fc.new_value) if v is not None
                )
    related = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}
    for change in changes:
        for fc in change.fields:
            fc.before = display_value(fc.model_field, fc.old_value, related)
            fc.after = display_value(fc.model_field, fc.new_value, related)
    return changes
