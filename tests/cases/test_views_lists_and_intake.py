"""The case list (cases/views/lists.py: scoped, filtered, searched, paginated) and the intake
with duplicates (cases/views/intake.py)."""

import datetime
import re

import pytest
from django.urls import reverse

from cases import filters
from cases.models import Case, CaseState, Person
from cases.views import lists
from tests.conftest import make_member
from tests.factories import PersonFactory, institution, region
from tests.helpers import intake_data

pytestmark = pytest.mark.django_db


def rows(response):
    return [c.reference for c in response.context["page"].object_list]


def test_the_list_shows_only_the_users_scope(client, make_case, coordinator, contact_person, frontline, outsider):
    ow = make_case("reported")
    uw = make_case("reported", region_code="uw")
    youth = make_case("reported", theme_code="youth")
    client.force_login(coordinator)  # Oberwallis, regional cases only
    assert rows(client.get(reverse("cases:list"))) == [ow.reference]
    client.force_login(contact_person)  # RAV in Oberwallis: ow and the youth case (ow, RAV involved)
    assert set(rows(client.get(reverse("cases:list")))) == {ow.reference, youth.reference}
    client.force_login(frontline)  # reported all three
    assert len(rows(client.get(reverse("cases:list")))) == 3
    client.force_login(outsider)  # no role: no list at all
    response = client.get(reverse("cases:list"))
    assert response.status_code == 403
    assert uw.reference not in response.content.decode()


def test_the_legal_commission_and_the_boards_have_no_case_list(client, make_case, legal, steering):
    case = make_case("reported")
    for user in (legal, steering):
        client.force_login(user)
        response = client.get(reverse("cases:list"), {"q": case.person.last_name})
        assert response.status_code == 403
        assert case.reference not in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "Muster"}, ["muster"]),
        ({"q": "anna muster"}, ["muster"]),
        ({"q": "756.9217.0769.85"}, ["muster"]),
        ({"q": "92170769"}, ["muster"]),
        ({"state": "implementation"}, ["other"]),
        ({"institution": "suva"}, []),
        ({"open_only": "on"}, ["muster", "other"]),
    ],
)
def test_filters_and_search(client, make_case, officer, query, expected):
    muster = make_case(
        "reported", person=PersonFactory.build(first_name="Anna", last_name="Muster", ahv_number="756.9217.0769.85")
    )
    other = make_case("implementation", person=PersonFactory.build(first_name="Beat", last_name="Imhof"))
    make_case("closed", person=PersonFactory.build(first_name="Carla", last_name="Zurbriggen"))
    names = {"muster": muster.reference, "other": other.reference}
    if "institution" in query:
        query = {"institution": institution(query["institution"]).pk}
    client.force_login(officer)
    assert sorted(rows(client.get(reverse("cases:list"), query))) == sorted(names[n] for n in expected)


def test_the_list_is_paginated(client, make_case, officer):
    for _ in range(27):
        make_case("reported")
    client.force_login(officer)
    first = client.get(reverse("cases:list"))
    assert len(rows(first)) == 25
    second = client.get(reverse("cases:list"), {"page": 2})
    assert len(rows(second)) == 2
    assert "Seite 2 von 2" in second.content.decode()


def test_the_htmx_request_gets_only_the_results(client, make_case, officer):
    make_case("reported")
    client.force_login(officer)
    response = client.get(reverse("cases:list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-results")
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


@pytest.mark.parametrize("n", [1, 20])
def test_the_list_runs_a_fixed_number_of_queries(client, make_case, coordinator, n, django_assert_num_queries):
    for _ in range(n):
        make_case("implementation")
    client.force_login(coordinator)
    rav = institution("rav").pk
    client.get(reverse("cases:list"))  # the selects' options and My tasks (n) kept in the cache
    # user, memberships (the session comes from the cache); the persons found by name; the
    # search in the access log (its chain head, the row); the page (one row more: is there a
    # next one?); the grants (My tasks (n) and the selects come from the cache)
    with django_assert_num_queries(7):
        response = client.get(reverse("cases:list"), {"q": "a", "institution": rav})
    assert response.status_code == 200


@pytest.mark.parametrize("n", [6, 11])
def test_a_list_longer_than_a_page_counts_its_cases_in_one_query_more(
    client, make_case, officer, n, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    for _ in range(n):
        make_case("reported")
    client.force_login(officer)
    client.get(reverse("cases:list"))
    # user, memberships; the page and one row more; the cases counted up to the cap
    with django_assert_num_queries(4):
        response = client.get(reverse("cases:list"), {"state": "reported"})
    assert response.context["page"].has_next


def label(response) -> str:
    html = response.content.decode()
    return " ".join(re.search(r'case-count">(.*?)</p>', html, re.S).group(1).split())


def test_a_long_list_says_what_it_shows_and_its_pages_reach_every_case(client, make_case, officer, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    monkeypatch.setattr(lists, "COUNT_CAP", 8)
    made = [make_case("reported").reference for _ in range(12)]
    client.force_login(officer)
    seen, labels, url = [], [], reverse("cases:list")
    while url:
        response = client.get(url)
        seen += rows(response)
        labels.append(label(response))
        page = response.context["page"]
        assert ('aria-label="Seiten"' in response.content.decode()) and (page.has_next == bool(page.next_query))
        url = reverse("cases:list") + page.next_query if page.has_next else None
    assert sorted(seen) == sorted(made) and len(seen) == 12  # every case, once
    # No exact total while more than the cap wait; on the last page the total is known.
    assert labels == ["Fälle 1–5 von mehr als 8", "Fälle 6–10 von mehr als 8", "Fälle 11–12 von 12"]
    last = client.get(reverse("cases:list"), {"page": 3}).content.decode()
    assert "Seite 3 von 3" in last and "?page=2" in last and "?page=4" not in last


def test_a_total_under_the_cap_is_exact_and_the_links_keep_the_filters(client, make_case, officer, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    for _ in range(7):
        make_case("reported")
    make_case("implementation")
    client.force_login(officer)
    response = client.get(reverse("cases:list"), {"state": "reported"})
    html = response.content.decode()
    assert label(response) == "Fälle 1–5 von 7"
    assert "Seite 1 von 2" in html and "?state=reported&amp;page=2" in html
    second = client.get(reverse("cases:list"), {"state": "reported", "page": 2})
    assert label(second) == "Fälle 6–7 von 7" and len(rows(second)) == 2


def test_a_page_past_the_end_shows_the_last_page(client, make_case, officer, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    for _ in range(7):
        make_case("reported")
    client.force_login(officer)
    for page in ("99", "x", "-1"):
        response = client.get(reverse("cases:list"), {"page": page})
        assert response.status_code == 200
    assert len(rows(client.get(reverse("cases:list"), {"page": "99"}))) == 2
    assert len(rows(client.get(reverse("cases:list"), {"page": "x"}))) == 5


def test_a_name_shared_by_many_persons_finds_the_same_cases(client, make_case, officer, monkeypatch):
    """The persons found by name go into the query as ids, or, when there are more than
    ``SEARCH_PERSONS``, as a subquery: the same cases either way."""
    cases = [make_case("reported", person=PersonFactory.build(last_name=f"Zenhäusern{i}")) for i in range(3)]
    make_case("reported", person=PersonFactory.build(last_name="Imboden"))
    client.force_login(officer)
    expected = sorted(case.reference for case in cases)
    assert sorted(rows(client.get(reverse("cases:list"), {"q": "zenhäusern"}))) == expected
    monkeypatch.setattr(filters, "SEARCH_PERSONS", 2)
    assert sorted(rows(client.get(reverse("cases:list"), {"q": "zenhäusern"}))) == expected


def test_the_selects_options_follow_a_new_case_manager(client, make_case, officer, case_manager):
    client.force_login(officer)
    assert f'value="{case_manager.pk}"' in client.get(reverse("cases:list")).content.decode()
    newcomer = make_member("emil-cm", "contact_person", region=region("ow"), institution=institution("rav"))
    html = client.get(reverse("cases:list")).content.decode()
    assert f'value="{newcomer.pk}"' in html  # a new membership: the cached options are stale
    assert client.get(reverse("cases:list"), {"case_manager": newcomer.pk}).context["form"].is_valid()
    assert not client.get(reverse("cases:list"), {"case_manager": 10**6}).context["form"].is_valid()


def test_the_selects_options_are_in_the_users_language(client, officer, coordinator):
    ow = region("ow")
    assert ow.name_de != ow.name_fr
    client.force_login(officer)
    assert f">{ow.name_de}</option>" in client.get(reverse("cases:list")).content.decode()
    coordinator.language = "fr"
    coordinator.save()
    client.force_login(coordinator)
    html = client.get(reverse("cases:list")).content.decode()
    assert "toutes les régions" in html and f">{ow.name_fr}</option>" in html


def test_a_front_line_worker_reports_a_case(client, frontline, coordinator):
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data())
    case = Case.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == case.get_absolute_url()
    assert case.reference == f"IIZ-{datetime.date.today().year}-00001"
    assert case.state == CaseState.REPORTED
    assert case.person.ahv_number == "756.9217.0769.85"
    assert case.coordinator == coordinator
    assert case.reported_by == frontline
    assert set(case.institutions.values_list("code", flat=True)) == {"rav", "social"}


def test_intake_keeps_the_input_and_explains_errors(client, frontline):
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data(**{"person-ahv_number": "756.9217.0769.84", "report-reason": ""}))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Muster"' in body
    assert "is-invalid" in body
    assert not Case.objects.exists()


def test_intake_warns_when_only_one_institution_is_involved(client, frontline):
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data(**{"report-institutions": []}), follow=True)
    assert Case.objects.get().institutions.count() == 1
    assert any(m.level_tag == "warning" for m in response.context["messages"])


def test_a_person_with_an_open_case_gets_no_second_case(client, frontline, make_case):
    existing = make_case("implementation", person=PersonFactory.build(ahv_number="756.9217.0769.85"))
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data())
    assert response.status_code == 409
    assert existing.reference in response.content.decode()
    assert Case.objects.count() == 1


def test_same_name_and_birth_date_asks_whether_it_is_the_same_person(client, frontline, make_case):
    closed = make_case(
        "closed", person=PersonFactory.build(first_name="Anna", last_name="Muster", birth_date=datetime.date(1980, 5, 17))
    )
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data(**{"person-ahv_number": ""}))
    assert response.status_code == 200
    assert "choice_form" in response.context and not Case.objects.exclude(pk=closed.pk).exists()
    # the user says it is the same person: the new case links to the existing record
    response = client.post(
        reverse("cases:intake"), intake_data(**{"person-ahv_number": "", "duplicate_choice": str(closed.person.pk)})
    )
    new = Case.objects.exclude(pk=closed.pk).get()
    assert new.person == closed.person
    assert Person.objects.count() == 1


def test_a_different_person_with_the_same_name_can_be_confirmed(client, frontline, make_case):
    make_case("closed", person=PersonFactory.build(first_name="Anna", last_name="Muster", birth_date=datetime.date(1980, 5, 17)))
    client.force_login(frontline)
    client.post(reverse("cases:intake"), intake_data(**{"person-ahv_number": "", "duplicate_choice": "new"}))
    assert Person.objects.count() == 2


def test_roles_without_casework_cannot_report(client, legal, steering):
    for user in (legal, steering):
        client.force_login(user)
        assert client.get(reverse("cases:intake")).status_code == 403


def test_a_report_for_another_region_leads_to_the_list(client, db):
    reporter = make_member("rita-contact", "contact_person", region=region("ow"), institution=institution("rav"))
    client.force_login(reporter)
    response = client.post(reverse("cases:intake"), intake_data(**{"report-region": region("uw").pk}))
    assert response.headers["Location"] == reverse("cases:list")


def test_reference_numbers_are_sequential_per_year(frontline):
    from cases import actions

    first = actions.next_reference(datetime.date(2026, 3, 1))
    second = actions.next_reference(datetime.date(2026, 3, 1))
    other_year = actions.next_reference(datetime.date(2027, 1, 2))
    assert (first, second, other_year) == ("IIZ-2026-00001", "IIZ-2026-00002", "IIZ-2027-00001")


def test_the_overdue_filter_lists_late_cases(client, make_case, officer):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, 0), tick=False):
        late = make_case("cm_designated")  # first meeting due within 14 days
    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, 0), tick=False):
        fresh = make_case("cm_designated")
        client.force_login(officer)
        assert rows(client.get(reverse("cases:list"), {"overdue": "on"})) == [late.reference]
        assert fresh.reference in rows(client.get(reverse("cases:list")))


def test_the_state_label_of_a_row_is_the_states_label():
    for state in CaseState:
        assert Case(state=state).get_state_display() == str(state.label)
    assert Case(state="unknown").get_state_display() == "unknown"
