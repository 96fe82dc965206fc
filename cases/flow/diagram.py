"""The CII101 process diagram, laid out from the state machine itself.

``build_diagram(current_state=None)`` reads every state (``CaseState``) and every edge
(``cases.flow.machine.graph()``) and returns positioned boxes and arrows for the SVG template
(cases/_process_diagram.html), plus one row per step for the plain table beside it. The
states sit on the main path of the process sheet, top to bottom; a transition that leaves
many states (interrupting the case) is drawn once, as a note with one arrow.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cases.flow import policy
from cases.flow.machine import graph, steps
from cases.models import CaseState
from cases.models.case import CII101_STEP, FINAL_STATES

WIDTH = 1000
BOX_WIDTH = 210
BOX_HEIGHT = 56
ROW_PITCH = 112
TOP = 20
LINE = 14  # line height of wrapped text

# Column centres: the main path in the middle, the round table and the end without case
# management to its left, the assessment to its right.
FAR_LEFT, LEFT, MAIN, RIGHT = 115, 420, 620, 830

# Where each state sits: (column centre, row).
PLACES = {
    CaseState.REPORTED: (MAIN, 0),
    CaseState.NO_CASE_MANAGEMENT: (FAR_LEFT, 1),
    CaseState.ROUND_TABLE: (LEFT, 1),
    CaseState.ASSESSMENT: (RIGHT, 1),
    CaseState.CM_DESIGNATED: (MAIN, 2),
    CaseState.PLAN_PREPARATION: (MAIN, 3),
    CaseState.PLAN_VALIDATION: (MAIN, 4),
    CaseState.IMPLEMENTATION: (MAIN, 5),
    CaseState.NETWORK: (FAR_LEFT, 5),
    CaseState.EXIT_REPORT: (MAIN, 6),
    CaseState.AWAITING_CLOSURE: (MAIN, 7),
    CaseState.CLOSED: (MAIN, 8),
}

# The loops back to an earlier step: drawn beside the main path, on this side.
LOOP_SIDE = {"send_back_plan": "left", "change_plan": "right"}

# How far apart two arrows between the same boxes (one each way) run.
PAIR_GAP = 8

# A transition leaving at least this many states is drawn as one grouped note.
GROUP_FROM = 4


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(str(text), width, break_long_words=False) or [""]


@dataclass
class Node:
    state: str
    label: str
    step: int
    cx: int
    cy: int
    lines: list[str]
    is_current: bool = False
    is_final: bool = False
    is_open: bool = False  # a source of a grouped step (marked ●)
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def x(self) -> int:
        return self.cx - self.width // 2

    @property
    def y(self) -> int:
        return self.cy - self.height // 2

    @property
    def left(self) -> int:
        return self.x

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def top(self) -> int:
        return self.y

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def text_y(self) -> float:
        """Baseline of the first line, so the block of lines is centred in the box."""
        return self.cy - (len(self.lines) - 1) * LINE / 2 + 4.5


@dataclass
class Edge:
    source: str
    target: str
    name: str
    label: str
    path: str
    label_x: float = 0
    label_y: float = 0
    anchor: str = "middle"
    lines: list[str] = field(default_factory=list)
    is_next: bool = False  # leaves the current state

    @property
    def key(self) -> str:
        return f"{self.source}>{self.target}>{self.name}"

    @property
    def text_y(self) -> float:
        return self.label_y - (len(self.lines) - 1) * LINE / 2 + 4


@dataclass
class Group:
    """One transition from many states, drawn as a note with a single arrow."""

    name: str
    label: str
    sources: list[str]
    source_labels: list[str]
    target: str
    x: int
    y: int
    width: int
    height: int
    path: str
    lines: list[str]
    is_next: bool = False

    @property
    def keys(self) -> str:
        return " ".join(f"{source}>{self.target}>{self.name}" for source in self.sources)


@dataclass
class StepRow:
    """One step of the machine for the table: from which states, to which, who may take it."""

    name: str
    label: str
    step: int
    sources: list[str]
    source_labels: list[str]
    target: str
    target_label: str
    who: str
    conditions: list[str]
    is_next: bool = False


@dataclass
class Diagram:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    groups: list[Group]
    rows: list[StepRow]
    current_state: str | None = None

    @property
    def current_label(self) -> str:
        return str(CaseState(self.current_state).label) if self.current_state else ""


def _row_y(row: int) -> int:
    return TOP + BOX_HEIGHT // 2 + row * ROW_PITCH


def _nodes(current_state: str | None) -> dict[str, Node]:
    nodes = {}
    for state in CaseState:
        cx, row = PLACES[state]
        nodes[state.value] = Node(
            state=state.value,
            label=str(state.label),
            step=CII101_STEP[state],
            cx=cx,
            cy=_row_y(row),
            lines=wrap(state.label, 21),
            is_current=state.value == current_state,
            is_final=state in FINAL_STATES,
        )
    return nodes


def _clamp(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


def _route(source: Node, target: Node, name: str, label: str) -> Edge:
    """A straight arrow between two boxes, or a loop beside the main path for a step back."""
    edge = Edge(source.state, target.state, name, label, "")
    if name in LOOP_SIDE and target.cy < source.cy and source.cx == target.cx:
        if LOOP_SIDE[name] == "left":
            x, start, end = source.left - 40, source.left, target.left
            edge.anchor, edge.label_x = "end", x - 8
        else:
            x, start, end = source.right + 70, source.right, target.right
            edge.anchor, edge.label_x = "start", x + 8
        edge.path = f"M{start},{source.cy} H{x} V{target.cy} H{end}"
        edge.label_y = (source.cy + target.cy) / 2
        edge.lines = wrap(label, 18)
    elif source.cy == target.cy:
        going_right = target.cx > source.cx
        start = source.right if going_right else source.left
        end = target.left if going_right else target.right
        # Two boxes linked both ways: the arrow going right runs a little above the one
        # coming back.
        y = source.cy - PAIR_GAP if going_right else source.cy + PAIR_GAP
        edge.path = f"M{start},{y} H{end}"
        edge.lines = wrap(label, max(10, int(abs(end - start) / 6.5)))
        block = (len(edge.lines) - 1) * LINE / 2
        # Above the arrow; below it when going left, clear of the step badge on the
        # top-left corner of the box it leaves.
        edge.label_x = (start + end) / 2
        edge.label_y = y - 8 - LINE / 2 - block if going_right else y + 8 + LINE / 2 + block
    else:
        shift = _clamp((target.cx - source.cx) * 0.3, 60)
        if target.cy > source.cy:
            x1, y1, x2, y2 = source.cx + shift, source.bottom, target.cx - shift, target.top
        else:  # up to an earlier step, from a box beside the main path
            x1, y1, x2, y2 = source.cx + shift, source.top, target.cx - shift, target.bottom
        edge.path = f"M{x1},{y1} L{x2},{y2}"
        edge.label_y = (y1 + y2) / 2
        edge.lines = wrap(label, 20)
        # Far enough from a slanted line that no line of the label touches it.
        clearance = 10 + abs(x2 - x1) / max(1, abs(y2 - y1)) * len(edge.lines) * LINE / 2
        if y2 < y1:  # up from beside the main path: the label near where it leaves, clear of the path
            edge.label_y = y1 + (y2 - y1) * 0.3
            edge.anchor, edge.label_x = "start", x1 + (x2 - x1) * 0.3 + clearance
        elif shift == 0:
            edge.anchor, edge.label_x = "start", x1 + 10
        elif shift > 0:
            edge.anchor, edge.label_x = "start", (x1 + x2) / 2 + clearance
        else:
            edge.anchor, edge.label_x = "end", (x1 + x2) / 2 - clearance
    return edge


def _merge_labels(edges: list[Edge], nodes: dict[str, Node]) -> None:
    """Arrows of the same step into the same state from one row carry one label, centred
    between them."""
    by_key: dict[tuple, list[Edge]] = {}
    for edge in edges:
        loop = edge.name in LOOP_SIDE and nodes[edge.source].cx == nodes[edge.target].cx  # drawn beside the path
        by_key.setdefault((edge.name, edge.target, nodes[edge.source].cy, loop), []).append(edge)
    for same in by_key.values():
        if len(same) < 2:
            continue
        first = same[0]
        first.label_x = sum(e.label_x for e in same) / len(same)
        first.anchor = "middle"
        first.lines = wrap(first.label, 20)
        for other in same[1:]:
            other.lines = []


def _group(name: str, label: str, sources: list[str], target: Node, nodes: dict[str, Node], current_state) -> Group:
    lines = [label, str(_("from every state marked ●"))]
    width = max(220, 24 + int(7.2 * max(len(line) for line in lines)))
    height = 22 + LINE * len(lines)
    x = target.left - 60 - width
    y = target.cy - height // 2
    return Group(
        name=name,
        label=label,
        sources=sources,
        source_labels=[nodes[s].label for s in sources],
        target=target.state,
        x=x,
        y=y,
        width=width,
        height=height,
        path=f"M{x + width},{target.cy} H{target.left}",
        lines=lines,
        is_next=current_state in sources,
    )


def build_diagram(current_state: str | None = None) -> Diagram:
    """Boxes for every state and arrows for every transition of the machine, labelled in
    the active language; ``current_state`` is highlighted with the steps leaving it."""
    nodes = _nodes(current_state)
    transitions = steps()
    sources: dict[str, list[str]] = {}
    targets: dict[str, str] = {}
    for source, target, name in graph():
        sources.setdefault(name, []).append(str(source))
        targets[name] = str(target)

    edges: list[Edge] = []
    groups: list[Group] = []
    for name, from_states in sources.items():
        label = str(transitions[name].label)
        target = nodes[targets[name]]
        ordered = sorted(from_states, key=lambda s: list(CaseState).index(CaseState(s)))
        if len(ordered) >= GROUP_FROM:
            for state in ordered:
                nodes[state].is_open = True
            groups.append(_group(name, label, ordered, target, nodes, current_state))
            continue
        for state in ordered:
            edge = _route(nodes[state], target, name, label)
            edge.is_next = state == current_state
            edges.append(edge)
    _merge_labels(edges, nodes)

    rows = []
    for name, from_states in sources.items():
        t = transitions[name]
        ordered = sorted(from_states, key=lambda s: list(CaseState).index(CaseState(s)))
        rows.append(
            StepRow(
                name=name,
                label=str(t.label),
                step=t.number,
                sources=ordered,
                source_labels=[nodes[s].label for s in ordered],
                target=targets[name],
                target_label=nodes[targets[name]].label,
                who=str(policy.operation(name).summary),
                conditions=[str(c.message) for c in t.conditions if hasattr(c, "message")],
                is_next=current_state in ordered,
            )
        )
    order = [s.value for s in CaseState]
    rows.sort(key=lambda r: (r.step, min(order.index(s) for s in r.sources), order.index(r.target)))

    height = _row_y(max(row for _x, row in PLACES.values())) + BOX_HEIGHT // 2 + TOP
    return Diagram(
        width=WIDTH,
        height=height,
        nodes=list(nodes.values()),
        edges=edges,
        groups=groups,
        rows=rows,
        current_state=current_state,
    )
