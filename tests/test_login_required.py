"""Every view needs a login, except the few that must be public. A new view that forgets
it fails here, because the test walks the whole URL configuration."""

import pytest
from django.urls import reverse

from tests.urlwalk import all_routes

# The only views an anonymous visitor may reach.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "set_language",
    "admin:login",
    # the private calendar feed: its secret token is its authentication (a wrong one: 404)
    "cases:calendar_feed",
}


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    target = response.headers["Location"]
    return target.startswith(reverse("login")) or target.startswith(reverse("admin:login"))


ROUTES = all_routes()


def test_the_walk_finds_the_application_and_admin_views():
    names = {route.name for route in ROUTES}
    assert {"home", "healthz", "login", "admin:index"} <= names
    assert len(ROUTES) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in PUBLIC], ids=lambda r: r.name)
def test_anonymous_visitors_are_sent_to_the_login(client, route):
    for method in (client.get, client.post):
        response = method(route.path)
        assert is_login_redirect(response), f"{route.name} ({route.path}) answered {response.status_code} without login"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in PUBLIC], ids=lambda r: r.name)
def test_public_views_are_marked_as_such(route):
    assert getattr(route.callback, "login_required", True) is False


def test_every_public_name_exists():
    assert {route.name for route in ROUTES} >= PUBLIC


@pytest.mark.django_db
def test_the_calendar_feed_without_its_token_is_not_found(client):
    assert client.get(reverse("cases:calendar_feed", args=["wrong-token"])).status_code == 404
