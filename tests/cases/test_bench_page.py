"""The load benchmark's minimal page (cases/views/bench.py, bench/load.py): off unless
IIZ_BENCH_PAGES is on; when on, signed in only, one query of 25 cases through the scope."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import cases.urls
import iiz.urls

pytestmark = pytest.mark.django_db

URL = "/cases/bench/minimal/"


def reload_urls():
    importlib.reload(cases.urls)
    importlib.reload(iiz.urls)
    clear_url_caches()


@pytest.fixture
def bench_pages_on():
    with override_settings(IIZ_BENCH_PAGES=True):
        reload_urls()
        yield
    reload_urls()


def test_the_page_is_404_when_off(client, officer, settings):
    assert settings.IIZ_BENCH_PAGES is False
    client.force_login(officer)
    assert client.get(URL).status_code == 404


@pytest.mark.usefixtures("bench_pages_on")
def test_the_page_asks_for_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.usefixtures("bench_pages_on")
@pytest.mark.parametrize("n", [3, 30])
def test_the_page_lists_25_cases_with_one_query_of_its_own(client, make_case, coordinator, n, django_assert_num_queries):
    made = [make_case("reported") for _ in range(n)]
    client.force_login(coordinator)
    # user, memberships, grants (the policy and the scope), the cases; the session comes
    # from the cache (cached_db)
    with django_assert_num_queries(4):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Minimal page</title>" in html
    assert html.count("<tr>") == min(n, 25)
    assert made[-1].reference in html


@pytest.mark.usefixtures("bench_pages_on")
def test_a_user_without_a_case_role_is_refused(client, make_case, outsider):
    case = make_case("reported")
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 403 and case.reference not in response.content.decode()
