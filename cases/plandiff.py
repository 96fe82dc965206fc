"""What changed between two versions of an action plan (CII101 step 8: a changed plan is a
new version, and readers must see what changed before validating it again).

``diff_plans(old, new)`` is pure: it reads ``goals_list`` and ``measures_list`` of two loaded
plans and runs no query. The person's resources are not part of a version (they are the
case's data sheet, whose changes are in the change history).
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from cases.models import MeasureStatus

if TYPE_CHECKING:
    from cases.models import ActionPlan, Measure

SAME, ADDED, REMOVED, CHANGED = "same", "added", "removed", "changed"

# The fields of a measure compared between versions, with their labels.
MEASURE_FIELDS = (
    ("title", _("measure")),
    ("employer_contact", _("employer")),
    ("responsible_institution", _("responsible institution")),
    ("starts_on", _("start")),
    ("due_on", _("due")),
    ("status", _("status")),
    ("result", _("result")),
)


@dataclass
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any

    @property
    def is_date(self) -> bool:
        return isinstance(self.old, datetime.date) or isinstance(self.new, datetime.date)


@dataclass
class GoalChange:
    status: str
    old: str = ""
    new: str = ""


@dataclass
class MeasureChange:
    status: str
    old: Measure | None = None
    new: Measure | None = None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def measure(self) -> Measure:
        return self.new or self.old


@dataclass
class PlanDiff:
    goals: list[GoalChange]
    measures: list[MeasureChange]

    @property
    def has_changes(self) -> bool:
        return any(item.status != SAME for item in (*self.goals, *self.measures))

    def count(self, part: str, status: str) -> int:
        return sum(1 for item in getattr(self, part) if item.status == status)


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def diff_goals(old: list[str], new: list[str]) -> list[GoalChange]:
    """Goals in the new order: unchanged, added, removed, or reworded (a goal replaced at the
    same place)."""
    result: list[GoalChange] = []
    matcher = difflib.SequenceMatcher(a=[_norm(g) for g in old], b=[_norm(g) for g in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result += [GoalChange(SAME, old[i], new[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        result += [GoalChange(CHANGED, old[i1 + k], new[j1 + k]) for k in range(pairs)]
        result += [GoalChange(REMOVED, old=old[i]) for i in range(i1 + pairs, i2)]
        result += [GoalChange(ADDED, new=new[j]) for j in range(j1 + pairs, j2)]
    return result


def _value(measure: Measure, name: str) -> Any:
    if name == "title":
        return measure.name  # the catalogue's name in the reader's language
    if name == "responsible_institution":
        return str(measure.responsible_institution) if measure.responsible_institution_id else ""
    if name == "employer_contact":
        return str(measure.employer_contact) if measure.employer_contact_id else ""
    if name == "status":
        return MeasureStatus(measure.status).label if measure.status else ""
    return getattr(measure, name)


def measure_changes(old: Measure, new: Measure) -> list[FieldChange]:
    """Field by field: title, employer, responsible institution, start, due, status, result."""
    changes = []
    for name, label in MEASURE_FIELDS:
        if name == "responsible_institution":
            differs = old.responsible_institution_id != new.responsible_institution_id
        elif name == "employer_contact":
            differs = old.employer_contact_id != new.employer_contact_id
        elif name == "title":  # a catalogue measure's name in either language is the same name
            differs = _norm(old.name) != _norm(new.name)
        elif name == "result":
            differs = _norm(old.result) != _norm(new.result)
        else:
            differs = getattr(old, name) != getattr(new, name)
        if differs:
            changes.append(FieldChange(name, str(label), _value(old, name), _value(new, name)))
    return changes


def _pair_measures(old: list[Measure], new: list[Measure]) -> dict[int, int]:
    """Which old measure (index) each new measure (index) continues: the same title first,
    then the same catalogue measure. A new version copies the measures, so ids differ."""
    pairs: dict[int, int] = {}
    free = list(range(len(old)))
    for j, measure in enumerate(new):
        for i in free:
            if _norm(old[i].title) == _norm(measure.title):
                pairs[j] = i
                free.remove(i)
                break
    for j, measure in enumerate(new):
        if j in pairs or not measure.catalogue_measure_id:
            continue
        for i in free:
            if old[i].catalogue_measure_id == measure.catalogue_measure_id:
                pairs[j] = i
                free.remove(i)
                break
    return pairs


def diff_measures(old: list[Measure], new: list[Measure]) -> list[MeasureChange]:
    """The new version's measures in order (unchanged, changed or added), then the removed ones."""
    pairs = _pair_measures(old, new)
    result = []
    for j, measure in enumerate(new):
        if j not in pairs:
            result.append(MeasureChange(ADDED, new=measure))
            continue
        earlier = old[pairs[j]]
        changes = measure_changes(earlier, measure)
        result.append(MeasureChange(CHANGED if changes else SAME, earlier, measure, changes))
    kept = set(pairs.values())
    result += [MeasureChange(REMOVED, old=measure) for i, measure in enumerate(old) if i not in kept]
    return result


def diff_plans(old: ActionPlan, new: ActionPlan) -> PlanDiff:
    """Everything that differs from version ``old`` to version ``new``."""
    return PlanDiff(
        goals=diff_goals([g.text for g in old.goals_list], [g.text for g in new.goals_list]),
        measures=diff_measures(old.measures_list, new.measures_list),
    )
