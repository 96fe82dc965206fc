"""Sessions (issue 18, point 11): signed out after IIZ_SESSION_IDLE_MINUTES without a request
(sliding: each request renews it), a warning a minute before with a way to stay signed in,
and nothing a signed-in user sees is kept in a cache (iiz/middleware.py)."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from iiz.config import ConfigError, load
from iiz.middleware import SEEN_KEY

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


def minutes(n):
    return datetime.timedelta(minutes=n)


def test_the_idle_timeout_is_thirty_minutes_by_default_and_configurable():
    assert settings.IIZ_SESSION_IDLE_SECONDS == 30 * 60
    assert load({}).session_idle_minutes == 30
    assert load({"IIZ_SESSION_IDLE_MINUTES": "15"}).session_idle_minutes == 15
    for wrong in ("0", "abc", "1000"):
        with pytest.raises(ConfigError, match="IIZ_SESSION_IDLE_MINUTES must be"):
            load({"IIZ_SESSION_IDLE_MINUTES": wrong})


def test_a_user_idle_for_longer_than_the_timeout_is_signed_out(client, coordinator, clock):
    client.force_login(coordinator)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(minutes(31))
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response.headers["Location"])
    assert "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet." in page.content.decode()


def test_the_login_starts_the_timeout_without_a_session_write_on_the_next_page(client, coordinator):
    client.force_login(coordinator)
    assert client.session[SEEN_KEY] > 0
    key = client.session.session_key
    client.get(reverse("home"))
    assert client.session.session_key == key


def test_each_request_renews_the_timeout(client, coordinator, clock):
    client.force_login(coordinator)
    for _ in range(4):  # two hours of work, a request every 25 minutes
        clock.shift(minutes(25))
        assert client.get(reverse("home")).status_code == 200
    assert client.session["_auth_user_id"] == str(coordinator.pk)


def test_the_session_is_written_at_most_once_a_minute(client, coordinator, clock):
    client.force_login(coordinator)
    client.get(reverse("home"))
    seen = client.session[SEEN_KEY]
    clock.shift(datetime.timedelta(seconds=30))
    client.get(reverse("home"))
    assert client.session[SEEN_KEY] == seen
    clock.shift(datetime.timedelta(seconds=31))
    client.get(reverse("home"))
    assert client.session[SEEN_KEY] == seen + 61


def test_stay_signed_in_renews_the_session(client, coordinator, clock):
    client.force_login(coordinator)
    client.get(reverse("home"))
    clock.shift(minutes(29))
    assert client.post(reverse("keep_alive")).status_code == 204
    clock.shift(minutes(29))
    assert client.get(reverse("home")).status_code == 200


def test_stay_signed_in_needs_a_session_and_a_post(client, coordinator):
    response = client.post(reverse("keep_alive"))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("login"))
    client.force_login(coordinator)
    assert client.get(reverse("keep_alive")).status_code == 405


def test_the_page_carries_the_warning_and_its_script(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("home")).content.decode()
    assert 'id="session-warning"' in html
    assert f'data-idle-seconds="{30 * 60}"' in html
    assert f'action="{reverse("keep_alive")}"' in html
    assert "Sie werden in einer Minute abgemeldet, weil Sie nicht aktiv waren." in html
    assert "/static/js/session.js" in html
    script = (ROOT / "static" / "js" / "session.js").read_text()
    assert "session-warning" in script and "idleSeconds" in script


def test_the_login_page_has_no_warning(client):
    assert 'id="session-warning"' not in client.get(reverse("login")).content.decode()


# --- Cache-Control --------------------------------------------------------------------------------


def assert_not_stored(response):
    assert response.status_code == 200
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_a_case_page_a_csv_export_and_a_pdf_are_not_stored(client, make_case, officer):
    case = make_case("implementation")
    client.force_login(officer)
    assert_not_stored(client.get(reverse("cases:detail", args=[case.pk])))
    assert_not_stored(client.get(reverse("cases:list_export", kwargs={"fmt": "csv"})))
    assert_not_stored(client.get(reverse("cases:list_export", kwargs={"fmt": "xlsx"})))
    assert_not_stored(client.get(reverse("cases:plan_pdf", args=[case.pk, 1])))


def test_a_view_that_sets_its_own_cache_control_keeps_it_and_gets_no_store(client, officer):
    client.force_login(officer)
    directives = {part.strip() for part in client.get(reverse("healthz")).headers["Cache-Control"].split(",")}
    assert {"no-cache", "max-age=0", "no-store", "private"} <= directives
