"""Reading the state machine: each transition by name (its source states, guards, label and
CII101 step, looked up once), which steps a user may take on a case now with the rules
still unmet, and the graph of all states and transitions (for the process diagram).

Who may take a step is the policy's (cases/flow/policy.py); this module only reads the
flow that the model defines (cases/models/case.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django_fsm import Transition

from cases.flow import policy

if TYPE_CHECKING:
    from cases.models import Case
    from roles.models import User


# Steps that need a form page of their own (URL name; the page takes the case's pk).
STEP_FORM_URLS = {
    "start_plan": "cases:first_meeting",
    "ask_network": "cases:ask_network",
    "send_back_plan": "cases:send_back",
    "interrupt": "cases:interrupt",
    "close": "cases:close",
}
# Steps taken with one POST to cases:step that carry a text: "required" or "optional".
STEP_TEXT = {
    "validate_plan": "optional",
    "change_plan": "required",
}


@dataclass(frozen=True)
class Step:
    """One named transition of the CII101 state machine, whatever its source state."""

    name: str
    sources: frozenset[str]
    target: str
    conditions: tuple
    label: str
    number: int

    def unmet(self, case: Case) -> list[str]:
        """The messages of the guards that do not hold for ``case`` now."""
        return [str(condition.message) for condition in self.conditions if not condition(case)]


def _all_transitions() -> list[Transition]:
    from cases.models import Case

    return list(Case._meta.get_field("state").get_all_transitions(Case))


@functools.cache
def steps() -> dict[str, Step]:
    """Every transition by name, in the order the model defines them."""
    found: dict[str, Step] = {}
    for t in _all_transitions():
        known = found.get(t.name)
        sources = (known.sources if known else frozenset()) | {t.source}
        found[t.name] = Step(
            t.name, sources, t.target, tuple(t.conditions), t.custom.get("label", t.name), t.custom.get("step", 0)
        )
    return found


def step(name: str) -> Step:
    return steps()[name]


def is_step(name: str) -> bool:
    return name in steps()


@dataclass
class StepChoice:
    """A step the user may take from the case's state; ``blocked_by`` lists the rules not
    yet met (empty: the button can be used).

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


def available_steps(case: Case, user: User) -> list[StepChoice]:
    """The steps from the case's state that the policy lets this user take, each with the
    rules still unmet."""
    choices = []
    for s in steps().values():
        if case.state in s.sources and policy.permits(user, s.name, case):
            choices.append(StepChoice(s.name, str(s.label), s.number, s.unmet(case)))
    return choices


def graph() -> list[tuple[str, str, str]]:
    """Every (source, target, transition name) of the CII101 state machine."""
    return [(t.source, t.target, t.name) for t in _all_transitions()]


def simple_steps() -> frozenset[str]:
    """The steps taken with one POST (the others have a form page of their own)."""
    return frozenset(steps()) - set(STEP_FORM_URLS)
