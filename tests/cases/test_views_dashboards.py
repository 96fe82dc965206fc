"""The dashboard and the steering view (cases/views/dashboards.py, cases/statistics/charts.py):
who may open them, the figures shown, the drill-down links (each leads to the case list with
exactly the counted cases, within the user's scope), the small-count rule, the charts, and a
fixed number of queries."""

import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, Person
from roles.models import User
from tests.cases.network import TODAY
from tests.conftest import make_member
from tests.factories import region

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
LINK = re.compile(r'<a href="(/cases/\?[^"]*)">([^<]+)</a>')


def get(client, user, name="cases:dashboard", **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def drill_downs(response) -> list[tuple[str, str]]:
    return [(html.unescape(url), text) for url, text in LINK.findall(response.content.decode())]


def listed(client, url) -> list[str]:
    """The references on every page of the case list at ``url``."""
    references, page = [], 1
    while True:
        content = client.get(f"{url}&page={page}").content.decode()
        references += re.findall(r'class="fw-semibold" href="/cases/\d+/">([^<]+)</a>', content)
        count = int(re.search(r'case-count">\s*(\d+)', content).group(1))
        if len(references) >= count:
            return references
        page += 1


# --- Who may open what ----------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_roles_without_case_access_get_403_and_steering_gets_its_view(client, legal, steering, outsider):
    assert get(client, legal).status_code == 403
    assert get(client, outsider).status_code == 403
    response = get(client, steering)
    assert response.status_code == 302 and response["Location"] == reverse("cases:statistics")


def test_only_steering_officer_and_secretariat_open_the_steering_view(client, steering, officer, secretariat, coordinator, legal):
    for user in (steering, officer, secretariat):
        assert get(client, user, "cases:statistics").status_code == 200
    for user in (coordinator, legal):
        assert get(client, user, "cases:statistics").status_code == 403


def test_the_menu_offers_dashboard_and_statistics_to_the_roles_that_may_open_them(client, coordinator, steering, officer):
    assert "Dashboard" in get(client, coordinator, "home").content.decode()
    assert f'href="{reverse("cases:statistics")}"' not in get(client, coordinator, "home").content.decode()
    content = get(client, steering, "home").content.decode()
    assert f'href="{reverse("cases:statistics")}"' in content and f'href="{reverse("cases:dashboard")}"' not in content
    content = get(client, officer, "home").content.decode()  # the steering view is a button on the dashboard
    assert f'href="{reverse("cases:statistics")}"' not in content and f'href="{reverse("cases:dashboard")}"' in content
    assert f'href="{reverse("cases:statistics")}"' in get(client, officer).content.decode()


# --- Figures and drill-downs ----------------------------------------------------------------


def test_the_officer_sees_the_figures_of_the_whole_canton(client, officer, case_manager, dora, network, on_today):
    response = get(client, officer, **PERIOD)
    assert response.status_code == 200
    key = {key: cell.text for key, _label, cell in response.context["key_figures"]}
    assert key == {
        "open": "5",
        "overdue": "3",
        "new": "7",
        "closed": "4",
        "placement_rate": "50 %",
    }
    caseload = {row.label: [c.text for c in row.cells] for row in response.context["caseload"][0].table.rows}
    assert caseload == {
        case_manager.get_full_name(): ["2", "2"],
        dora.get_full_name(): ["2", "1"],
        "Noch kein Case Manager": ["1", "0"],
    }


def test_every_number_of_the_officer_leads_to_a_list_of_exactly_that_many_cases(client, officer, network, on_today):
    response = get(client, officer, **PERIOD)
    links = drill_downs(response)
    assert len(links) > 40
    for url, text in links:
        assert len(listed(client, url)) == int(text), url


def test_the_drill_down_lists_exactly_the_counted_cases(client, officer, network, on_today):
    response = get(client, officer, **PERIOD)
    by_outcome = response.context["flow"][1].table
    placed_url = by_outcome.rows[0].cells[0].url
    assert sorted(listed(client, placed_url)) == sorted([network["CL1"].reference, network["CL4"].reference])
    first_meeting_url = response.context["overdue"][0].table.rows[0].cells[0].url
    assert listed(client, first_meeting_url) == [network["CM1"].reference]


def test_a_coordinator_counts_and_drills_down_within_the_region_only(client, coordinator, network, on_today):
    response = get(client, coordinator, **PERIOD)
    key = {key: cell for key, _label, cell in response.context["key_figures"]}
    assert key["open"].text == "2"
    assert sorted(listed(client, key["open"].url)) == sorted([network["R1"].reference, network["IMP2"].reference])
    region_of_theirs = {c.reference for c in Case.objects.visible_to(coordinator)}
    for url, text in drill_downs(response):
        references = listed(client, url)
        assert len(references) == int(text), url
        assert set(references) <= region_of_theirs


def test_a_case_manager_sees_the_own_caseload_first(client, dora, network, on_today):
    response = get(client, dora, **PERIOD)
    mine = response.context["mine"]
    assert [figure.table.key for figure in mine] == ["my_open_by_state", "my_overdue"]
    assert mine[0].table.totals[0].cells[0].text == "2"
    assert sorted(listed(client, mine[0].table.totals[0].cells[0].url)) == sorted(
        [network["IMP1"].reference, network["PV1"].reference]
    )
    assert [row.cells[0].text for row in mine[1].table.rows] == ["0", "1", "0", "0", "0", "1"]


def test_the_filters_narrow_every_figure(client, officer, network, on_today):
    response = get(client, officer, region=network["IMP1"].region_id, **PERIOD)
    key = {key: cell.text for key, _label, cell in response.context["key_figures"]}
    assert key["open"] == "1" and key["closed"] == "1"  # Mittelwallis: IMP1; CL2
    assert "region=" in response.context["key_figures"][0][2].url
    youthless = get(client, officer, theme="none", **PERIOD)
    assert {key: cell.text for key, _label, cell in youthless.context["key_figures"]}["open"] == "3"  # R1, IMP1, IMP2


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "not a date"},
        {"date_from": "2026-06-01", "date_to": "2026-01-01"},
        {"date_from": "1900-01-01", "date_to": "2026-01-01"},
        {"region": "999999"},
        {"theme": "<script>"},
        {"institution": "x"},
    ],
)
def test_bad_filters_are_reported_and_the_defaults_used(client, officer, network, on_today, params):
    response = get(client, officer, **params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="invalid-feedback' in response.content.decode() or "alert-danger" in response.content.decode()
    assert response.context["period"].last == TODAY
    assert {key: cell.text for key, _label, cell in response.context["key_figures"]}["open"] == "5"


def test_charts_are_inline_svg_without_inline_styles_each_beside_its_table(client, officer, network, on_today):
    content = get(client, officer, **PERIOD).content.decode()
    assert content.count("<svg") >= 6
    assert "style=" not in content
    assert content.count("<caption") >= content.count("<svg")
    assert 'th scope="row"' in content and 'th scope="col"' in content
    assert 'href="/static/css/dashboards.css"' in content


def test_the_pages_speak_french(client, officer, steering, network, on_today):
    officer.language = steering.language = "fr"
    officer.save(update_fields=["language"])
    steering.save(update_fields=["language"])
    client.force_login(officer)
    content = client.get(reverse("cases:dashboard")).content.decode()
    assert "Tableau de bord" in content and "Cas ouverts" in content
    coordinates = re.findall(r'<(?:rect|text|line) [^>]*?\b(?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', content)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in coordinates)  # no "9,5" in SVG
    client.force_login(steering)
    content = client.get(reverse("cases:statistics")).content.decode()
    assert "Statistiques" in content


# --- The steering view ----------------------------------------------------------------------


def test_the_steering_view_shows_aggregates_without_names_links_or_small_counts(client, steering, network, on_today):
    # names no text of the page can contain by chance (random names can: "Wallis", "Bern")
    for case in Case.objects.select_related("person", "case_manager"):
        Person.objects.filter(pk=case.person_id).update(last_name=f"Personname{case.pk}x")
        if case.case_manager_id:
            User.objects.filter(pk=case.case_manager_id).update(last_name=f"Managername{case.case_manager_id}x")
    response = get(client, steering, "cases:statistics", year=2026)
    content = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert "&lt; 5" in content
    assert not LINK.findall(content)
    for case in Case.objects.select_related("person", "case_manager"):
        assert case.reference not in content
        assert case.person.last_name not in content
        if case.case_manager:
            assert case.case_manager.last_name not in content
    for figure in response.context["snapshot"] + response.context["year_figures"]:
        for row in figure.table.rows:
            for cell in row.cells:
                assert not (isinstance(cell.value, int) and 0 < cell.value < 5 and not cell.hidden), (figure.table.key, row.label)


def test_the_steering_view_takes_a_year_and_ignores_a_bad_one(client, steering, network, on_today):
    response = get(client, steering, "cases:statistics", year=2025)
    months = response.context["year_figures"][0].table
    assert months.rows[0].label.endswith("2025")
    assert 'href="/cases/statistics/activity-report.xlsx?year=2025"' in response.content.decode()
    assert "2’025" not in response.content.decode() and "2 025" not in response.content.decode()
    bad = get(client, steering, "cases:statistics", year="abc")
    assert bad.status_code == 200 and bad.context["year"] == "2026" and bad.context["form"].errors
    future = get(client, steering, "cases:statistics", year=2099)
    assert future.status_code == 200 and future.context["year"] == "2026"


# --- A fixed number of queries --------------------------------------------------------------


@pytest.fixture
def more_cases(make_case):
    def add(n):
        states = ["reported", "cm_designated", "plan_validation", "implementation", "closed"]
        for i in range(n):
            make_case(states[i % len(states)])

    return add


# Per request: the session comes from the cache; the user and the memberships (2); a
# coordinator's and a case manager's case grants (1); My tasks (n) in the navigation comes
# from the figures' cache, filled by the home page before.
# Once per generation of the data (cases/cached.py), the counts: regions, themes and
# institutions (3), the snapshot (2), the period's flow (1; elsewhere than on PostgreSQL 4
# more, one per median), the names of the case managers (1), the open disputes (1, the
# officer and the coordinator).
MEDIANS = 0 if connection.vendor == "postgresql" else 4
DASHBOARD_QUERIES = {  # user: (the first request, the next ones)
    "officer": (10 + MEDIANS, 2),
    "coordinator": (11 + MEDIANS, 3),
    "case_manager": (10 + MEDIANS, 3),
}


@pytest.mark.parametrize("n", [1, 10])
@pytest.mark.parametrize("who", sorted(DASHBOARD_QUERIES))
def test_the_dashboard_runs_a_fixed_number_of_queries(request, client, who, more_cases, n, django_assert_num_queries):
    more_cases(n)
    client.force_login(request.getfixturevalue(who))
    client.get(reverse("home"))  # the session in the cache
    first, cached = DASHBOARD_QUERIES[who]
    with django_assert_num_queries(first):
        assert client.get(reverse("cases:dashboard"), {"theme": "none"}).status_code == 200
    with django_assert_num_queries(cached):
        assert client.get(reverse("cases:dashboard"), {"theme": "none"}).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_the_steering_view_runs_a_fixed_number_of_queries(client, steering, more_cases, n, django_assert_num_queries):
    more_cases(n)
    client.force_login(steering)
    client.get(reverse("home"))
    # The user and the memberships (2); once per generation of the data: regions, themes and
    # institutions (3), the snapshot (2), the year's flow (1, elsewhere than on PostgreSQL 4
    # more), its new cases by unit (1).
    with django_assert_num_queries(9 + MEDIANS):
        assert client.get(reverse("cases:statistics")).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(reverse("cases:statistics")).status_code == 200


# --- The figures' cache ---------------------------------------------------------------------


def main_of(response) -> str:
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def key_figures(response) -> dict[str, str]:
    """The key figures as the page shows them (served from the cache or not)."""
    content = response.content.decode()
    values = re.findall(r'<div class="key-figure-value">(?:<a href="[^"]*">)?([^<]*)', content)
    labels = ["open", "overdue", "new", "closed", "placement_rate"]
    return dict(zip(labels, values, strict=True))


def test_a_dashboard_from_the_cache_shows_a_new_case_right_after_it_is_reported(
    client, officer, network, on_today, make_case, django_assert_max_num_queries
):
    before = key_figures(get(client, officer, **PERIOD))
    with django_assert_max_num_queries(3):  # served from the cache
        assert key_figures(client.get(reverse("cases:dashboard"), PERIOD)) == before
    make_case("reported")
    after = key_figures(client.get(reverse("cases:dashboard"), PERIOD))
    assert int(after["open"]) == int(before["open"]) + 1
    assert int(after["new"]) == int(before["new"]) + 1


def test_a_dashboard_from_the_cache_counts_a_case_closed_right_after(client, officer, network, on_today, cast):
    from cases.demo.walk import walk

    before = key_figures(get(client, officer))
    walk(network["IMP2"], "closed", cast)
    after = key_figures(client.get(reverse("cases:dashboard")))
    assert int(after["open"]) == int(before["open"]) - 1
    assert int(after["closed"]) == int(before["closed"]) + 1


def test_a_coordinator_never_gets_the_figures_the_officer_left_in_the_cache(client, officer, coordinator, network, on_today):
    upper = make_member("ulla-coordinator", "regional_coordinator", region=region("mw"))
    assert key_figures(get(client, officer, **PERIOD))["open"] == "5"
    assert key_figures(get(client, coordinator, **PERIOD))["open"] == "2"  # R1, IMP2 in Oberwallis
    response = get(client, upper, **PERIOD)
    assert key_figures(response)["open"] == "1"  # IMP1 in Mittelwallis
    visible = {c.reference for c in Case.objects.visible_to(upper)}
    for url, _text in drill_downs(response):
        assert set(listed(client, url)) <= visible, url


def test_the_steering_view_from_the_cache_still_hides_small_counts(
    client, steering, network, on_today, django_assert_max_num_queries
):
    first = get(client, steering, "cases:statistics", year=2026)
    with django_assert_max_num_queries(2):  # served from the cache
        again = client.get(reverse("cases:statistics"), {"year": 2026})
    content = main_of(again)
    assert content == main_of(first)
    assert "&lt; 5" in content and not LINK.findall(content)
    for figure in again.context["snapshot"] + again.context["year_figures"]:
        for row in figure.table.rows:
            for cell in row.cells:
                assert not (isinstance(cell.value, int) and 0 < cell.value < 5 and not cell.hidden), (figure.table.key, row.label)
