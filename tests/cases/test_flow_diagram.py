"""The CII101 process diagram drawn from the state machine (cases/flow/diagram.py): every state
and every transition appears, the current state of a case is highlighted, the drawing is
accessible and needs no inline style."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from cases.flow import guards, policy
from cases.flow.diagram import build_diagram
from cases.flow.machine import graph, steps
from cases.models import CaseState

pytestmark = pytest.mark.django_db


class Collect(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Collect:
    parser = Collect()
    parser.feed(html)
    return parser


def svg_of(html: str) -> str:
    """The process drawing (role="img"), not the icons of the navigation."""
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox=')
    return html[start : html.index("</svg>", start) + len("</svg>")]


def drawn_edges(svg: str) -> set[str]:
    found = set()
    for _tag, attrs in parse(svg).tags:
        if "data-edge" in attrs:
            found.add(attrs["data-edge"])
        if "data-edges" in attrs:
            found.update(attrs["data-edges"].split())
    return found


# --- the layout -------------------------------------------------------------------------


def test_every_step_says_who_may_take_it():
    assert all(str(policy.operation(name).summary) for name in steps())


def test_every_edge_of_the_machine_is_drawn_once():
    diagram = build_diagram()
    keys = [e.key for e in diagram.edges] + [k for g in diagram.groups for k in g.keys.split()]
    expected = [f"{s}>{t}>{n}" for s, t, n in graph()]
    assert sorted(keys) == sorted(expected)


def test_interrupting_from_every_open_state_is_one_grouped_note():
    diagram = build_diagram()
    assert [g.name for g in diagram.groups] == ["interrupt"]
    group = diagram.groups[0]
    assert group.target == CaseState.EXIT_REPORT
    assert set(group.sources) == {
        "reported",
        "round_table",
        "assessment",
        "cm_designated",
        "plan_preparation",
        "plan_validation",
        "implementation",
        "network",
    }
    marked = {n.state for n in diagram.nodes if n.is_open}
    assert marked == set(group.sources)


def test_the_boxes_do_not_overlap_and_stay_inside_the_drawing():
    diagram = build_diagram()
    boxes = [(n.left, n.top, n.right, n.bottom) for n in diagram.nodes]
    boxes += [(g.x, g.y, g.x + g.width, g.y + g.height) for g in diagram.groups]
    for left, top, right, bottom in boxes:
        assert 0 <= left < right <= diagram.width and 0 <= top < bottom <= diagram.height
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_the_main_path_runs_top_down():
    diagram = build_diagram()
    y = {n.state: n.cy for n in diagram.nodes}
    path = [
        "reported",
        "round_table",
        "cm_designated",
        "plan_preparation",
        "plan_validation",
        "implementation",
        "exit_report",
        "awaiting_closure",
        "closed",
    ]
    assert [y[s] for s in path] == sorted(y[s] for s in path)
    assert y["round_table"] == y["assessment"] and y["cm_designated"] > y["assessment"]
    assert y["no_case_management"] == y["round_table"]


def test_the_table_lists_every_step_with_its_states_in_process_order():
    rows = build_diagram().rows
    assert {r.name for r in rows} == set(steps())
    assert [r.step for r in rows] == sorted(r.step for r in rows)
    interrupt = next(r for r in rows if r.name == "interrupt")
    assert len(interrupt.sources) == 8 and interrupt.target == "exit_report"
    validate = next(r for r in rows if r.name == "validate_plan")
    assert validate.conditions == [str(guards.plan_is_signed.message)]
    assert next(r for r in rows if r.name == "plan_round_table").conditions == []


def test_a_current_state_highlights_the_steps_leaving_it():
    diagram = build_diagram("plan_validation")
    assert [n.state for n in diagram.nodes if n.is_current] == ["plan_validation"]
    assert sorted(e.name for e in diagram.edges if e.is_next) == ["send_back_plan", "validate_plan"]
    assert diagram.groups[0].is_next
    assert sorted(r.name for r in diagram.rows if r.is_next) == ["interrupt", "send_back_plan", "validate_plan"]


def test_labels_follow_the_active_language():
    with translation.override("fr"):
        diagram = build_diagram()
    labels = {n.state: n.label for n in diagram.nodes}
    assert labels["implementation"] == "Mise en œuvre"


# --- the pages ----------------------------------------------------------------------------


def test_the_process_page_draws_every_state_and_every_transition(client, outsider):
    client.force_login(outsider)  # any logged-in user, even without a role
    response = client.get(reverse("cases:process"))
    assert response.status_code == 200
    html = response.content.decode()
    svg = svg_of(html)
    assert drawn_edges(svg) == {f"{s}>{t}>{n}" for s, t, n in graph()}
    states = {attrs["data-state"] for tag, attrs in parse(svg).tags if "data-state" in attrs}
    assert states == {s.value for s in CaseState}
    with translation.override("de"):
        svg_text = " ".join(" ".join(parse(svg).text).split())
        for state in CaseState:
            for word in str(state.label).split():
                assert word in svg_text
        for t in steps().values():
            assert str(t.label) in html
    assert "Umsetzung" in svg_text and "Plan validieren" in svg_text


def test_the_drawing_is_accessible_and_has_no_inline_style(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("cases:process")).content.decode()
    svg = svg_of(html)
    opening = re.match(r"<svg[^>]*>", svg).group(0)
    assert 'role="img"' in opening
    assert 'aria-labelledby="process-svg-title process-svg-desc"' in opening
    assert '<title id="process-svg-title">' in svg and '<desc id="process-svg-desc">' in svg
    assert "style=" not in html and "<style" not in html
    # coordinates are plain numbers, never localised ("1 000", "12,5")
    assert re.search(r'viewBox="0 0 \d+ \d+"', opening)
    assert not re.search(r'\b(?:x|y|cx|cy)="[^"]*,', svg)
    table_rows = [attrs["data-transition"] for tag, attrs in parse(html).tags if "data-transition" in attrs]
    assert sorted(table_rows) == sorted(steps())


def test_the_process_page_speaks_french(client, coordinator):
    coordinator.language = "fr"
    coordinator.save()
    client.force_login(coordinator)
    html = client.get(reverse("cases:process")).content.decode()
    assert "Mise en œuvre" in html and "Valider le plan" in html
    assert "Toutes les étapes" in html


def test_the_case_process_highlights_the_current_state(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.get(reverse("cases:case_process", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    svg = svg_of(html)
    current = [attrs["data-state"] for tag, attrs in parse(svg).tags if "is-current" in attrs.get("class", "").split()]
    assert current == ["implementation"]
    next_edges = {
        attrs["data-edge"]
        for tag, attrs in parse(svg).tags
        if "data-edge" in attrs and "is-next" in attrs.get("class", "").split()
    }
    assert next_edges == {
        "implementation>plan_preparation>change_plan",
        "implementation>exit_report>finish_plan",
        "implementation>network>ask_network",
    }
    assert drawn_edges(svg) == {f"{s}>{t}>{n}" for s, t, n in graph()}
    assert "Umsetzung" in html and case.reference in html
    assert reverse("cases:detail", args=[case.pk]) in html


def test_the_general_process_highlights_nothing(client, coordinator):
    client.force_login(coordinator)
    svg = svg_of(client.get(reverse("cases:process")).content.decode())
    assert not [attrs for tag, attrs in parse(svg).tags if "is-current" in attrs.get("class", "").split()]


def test_the_case_process_is_scoped_to_the_case(client, make_case, outsider):
    case = make_case("reported")
    client.force_login(outsider)
    assert client.get(reverse("cases:case_process", args=[case.pk])).status_code == 404


def test_the_process_pages_only_answer_get(client, make_case, coordinator):
    case = make_case("reported")
    client.force_login(coordinator)
    assert client.post(reverse("cases:process")).status_code == 405
    assert client.post(reverse("cases:case_process", args=[case.pk])).status_code == 405


def test_the_process_page_needs_a_login(client):
    response = client.get(reverse("cases:process"))
    assert response.status_code == 302
    assert reverse("login") in response.headers["Location"]
