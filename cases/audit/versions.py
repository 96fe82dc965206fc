"""No lost update: the version an edit form was loaded from, and what changed since.

A record's version is the id of its latest change-history row (django-simple-history), so
every record with a history has one without a column of its own. An edit form carries the
version it was loaded from; the action compares it with the record's version now and, when
someone else saved in the meantime, refuses with ``StaleEdit``: who, when, and the fields
as the other person saved them. The form page shows that and keeps what the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cases.audit.history import display_value
from cases.flow.policy import ActionRefused


def version_of(instance: models.Model) -> int:
    """The id of the record's latest history row (0 for a record without one yet)."""
    if instance.pk is None:
        return 0
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return latest or 0


@dataclass(frozen=True)
class SavedField:
    label: str
    value: str


class StaleEdit(ActionRefused):
    """Someone else saved the record after the form was loaded: nothing was saved.
    ``saved`` lists the fields as the other person left them; ``version`` is the record's
    version now (a second save from the same page, made knowingly, goes through)."""

    def __init__(self, message: str, *, saved: list[SavedField], version: str):
        super().__init__([message])
        self.saved = saved
        self.version = version


def check_version(instance: models.Model, loaded: int | None, *, fields: list[str] | None = None) -> None:
    """Raise StaleEdit when ``instance`` has a history row newer than ``loaded`` (the version
    the form was loaded from). ``loaded=None``: no check (a record created by this edit)."""
    if loaded is None or instance.pk is None:
        return
    newer = list(instance.history.filter(history_id__gt=loaded).select_related("history_user").order_by("history_id"))
    if not newer:
        return
    before = instance.history.filter(history_id=loaded).first()
    latest = newer[-1]
    compared = [f for f in instance.history.model.tracked_fields if not f.primary_key]
    if fields is not None:
        compared = [f for f in compared if f.name in fields]
    saved = []
    for f in compared:
        now = getattr(latest, f.attname)
        if before is not None and getattr(before, f.attname) == now:
            continue
        related = getattr(latest, f.name, None) if f.is_relation else None
        saved.append(SavedField(str(capfirst(f.verbose_name)), display_value(f, now, related)))
    who = latest.history_user or _("someone")
    when = date_format(timezone.localtime(latest.history_date), "SHORT_DATETIME_FORMAT")
    message = _(
        "Changed in the meantime by %(who)s at %(when)s. Nothing was saved: check what they saved below; "
        "your input is kept, and saving again replaces their version."
    ) % {"who": who, "when": when}
    raise StaleEdit(message, saved=saved, version=str(latest.history_id))


# --- a record with its parts: the action plan with its goals and measures ---------------------


def _plan_histories(plan) -> list:
    from cases.models import ActionPlan, Goal, Measure

    return [
        ActionPlan.history.filter(id=plan.pk),
        Goal.history.filter(plan_id=plan.pk),
        Measure.history.filter(plan_id=plan.pk),
    ]


def plan_version(plan) -> str:
    """The version of a plan with its goals and measures: the latest history row of each
    ("plan.goals.measures"), so a change to any of them is seen; one query."""
    from django.db.models import OuterRef, Subquery

    from cases.models import ActionPlan

    def latest(history, **link):
        return Subquery(history.filter(**link).order_by("-history_id").values("history_id")[:1])

    plans, goals, measures = _plan_histories(plan)
    row = (
        ActionPlan.objects.filter(pk=plan.pk)
        .annotate(
            p=latest(plans, id=OuterRef("pk")),
            g=latest(goals, plan_id=OuterRef("pk")),
            m=latest(measures, plan_id=OuterRef("pk")),
        )
        .values_list("p", "g", "m")
        .first()
    )
    return ".".join(str(n or 0) for n in (row or (0, 0, 0)))


def check_plan_version(plan, loaded: str | None) -> None:
    """Raise StaleEdit when the plan, one of its goals or one of its measures was saved
    after ``loaded`` (``plan_version`` when the form was loaded)."""
    if not loaded:
        return
    try:
        marks = [int(part) for part in loaded.split(".")]
    except ValueError:
        return
    if len(marks) != 3:
        return
    newer = [
        row
        for qs, mark in zip(_plan_histories(plan), marks)
        for row in qs.filter(history_id__gt=mark).select_related("history_user")
    ]
    if not newer:
        return
    latest = max(newer, key=lambda row: row.history_date)
    plan.refresh_from_db()
    saved = [
        SavedField(
            str(capfirst(plan._meta.get_field(name).verbose_name)), display_value(plan._meta.get_field(name), getattr(plan, name))
        )
        for name in ("notes", "signed_by_person_on", "signed_by_cm_on")
    ]
    saved.append(SavedField(_("Goals"), "\n".join(goal.text for goal in plan.goals.order_by("position"))))
    saved.append(SavedField(_("Measures"), "\n".join(measure.title for measure in plan.measures.order_by("position"))))
    who = latest.history_user or _("someone")
    when = date_format(timezone.localtime(latest.history_date), "SHORT_DATETIME_FORMAT")
    message = _(
        "Changed in the meantime by %(who)s at %(when)s. Nothing was saved: check what they saved below; "
        "your input is kept, and saving again replaces their version."
    ) % {"who": who, "when": when}
    raise StaleEdit(message, saved=saved, version=plan_version(plan))
