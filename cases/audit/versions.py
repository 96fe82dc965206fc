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

    def __init__(self, message: str, *, saved: list[SavedField], version: int):
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
    raise StaleEdit(message, saved=saved, version=latest.history_id)
