"""The health check (iiz/views.py, /healthz): the database and Redis reported separately.
200 "ok" when both answer, 200 "degraded" when only Redis is missing, 503 when the database
is missing; never cached."""

import socket
from unittest import mock

from django.db import OperationalError
from django.urls import reverse

from tests.cases.test_deadlines_reminders_worker import broker_url  # noqa: F401  (a fixture)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_200_when_the_database_answers(client, db, settings):
    settings.IIZ_REDIS_URL = ""  # the embedded default (CI sets REDIS_URL)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "redis": "not configured"}


def test_healthz_answers_503_when_the_database_is_down(client, db, settings):
    settings.IIZ_REDIS_URL = ""
    with mock.patch("iiz.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "redis": "not configured"}


def test_healthz_is_never_cached(client, db):
    assert "no-cache" in client.get(reverse("healthz")).headers["Cache-Control"]


def test_a_missing_redis_is_degraded_not_down(client, db, settings):
    settings.IIZ_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "up", "redis": "down"}


def test_a_missing_database_is_down_whatever_redis_does(client, db, settings):
    settings.IIZ_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    with mock.patch("iiz.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "redis": "down"}


def test_a_redis_that_answers_is_up(client, db, settings, broker_url):  # noqa: F811  (the fixture imported above)
    """A real Redis: the CI's (REDIS_URL) or a private redis-server (.ci/setup --test installs it)."""
    settings.IIZ_REDIS_URL = broker_url
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "redis": "up"}
