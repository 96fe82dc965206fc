"""Reading the state machine: which steps a user may take on a case now, why a step is
refused, and the graph of all states and transitions (for the process diagram)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django_fsm import Transition

from cases.models import Case, CaseState

if TYPE_CHECKING:
    from roles.models import User


# Steps that need a form page of their own (URL name; the page takes the case's pk).
STEP_FORM_URLS = {
    "start_plan": "cases:first_meeting",
    "interrupt": "cases:interrupt",
    "close": "cases:close",
}
# Steps taken with one POST to cases:step that carry a text: "required" or "optional".
STEP_TEXT = {
    "validate_plan": "optional",
    "send_back_plan": "required",
    "change_plan": "required",
}


@dataclass
class Action:
    """A step the user may take now; ``blocked_by`` lists the rules not yet met.

    ``form_url_name``: the step has its own form page; otherwise it is one POST to
    ``cases:step`` with, for some steps, a text (``text``: "required", "optional" or "").
    """

    name: str
    label: str
    step: int
    blocked_by: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.blocked_by

    @property
    def form_url_name(self) -> str | None:
        return STEP_FORM_URLS.get(self.name)

    @property
    def text(self) -> str:
        return STEP_TEXT.get(self.name, "")


def _all_transitions() -> list[Transition]:
    return list(Case._meta.get_field("state").get_all_transitions(Case))


def _transitions_from(case: Case) -> list[Transition]:
    return [t for t in _all_transitions() if t.source == case.state]


def transition_named(case: Case, name: str) -> Transition | None:
    for t in _transitions_from(case):
        if t.name == name:
            return t
    return None


def unmet_rules(case: Case, transition: Transition) -> list[str]:
    return [str(condition.message) for condition in transition.conditions if not condition(case)]


def available_actions(case: Case, user: User) -> list[Action]:
    """The transitions from the case's state that this user's role allows, each with the
    rules still unmet (an empty list: the button can be used)."""
    actions = []
    seen = set()
    for t in _transitions_from(case):
        if t.name in seen or not t.has_perm(case, user):
            continue
        seen.add(t.name)
        actions.append(Action(t.name, str(t.custom.get("label", t.name)), t.custom.get("step", 0), unmet_rules(case, t)))
    return actions


def refusal_reasons(case: Case, name: str, user: User) -> list[str]:
    """Why ``user`` cannot take step ``name`` now (empty: the step is allowed)."""
    transition = transition_named(case, name)
    if transition is None:
        return [
            _("This step is not possible while the case is in the state “%(state)s”.") % {"state": CaseState(case.state).label}
        ]
    if not transition.has_perm(case, user):
        return [_("Your role does not allow this step on this case.")]
    return unmet_rules(case, transition)


def graph() -> list[tuple[str, str, str]]:
    """Every (source, target, transition name) of the CII101 state machine."""
    return [(t.source, t.target, t.name) for t in _all_transitions()]


def transitions_by_name() -> dict[str, Transition]:
    """One transition per name (its label, step, conditions and permission are the same
    for every source state of that name)."""
    named: dict[str, Transition] = {}
    for t in _all_transitions():
        named.setdefault(t.name, t)
    return named
