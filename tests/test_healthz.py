"""The health check (iiz/views.py, /healthz): 200 when the database answers, 503 when it
does not, never cached."""

from unittest import mock

from django.db import OperationalError
from django.urls import reverse


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_healthz_answers_503_when_the_database_is_down(client, db):
    with mock.patch("iiz.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_is_never_cached(client, db):
    assert "no-cache" in client.get(reverse("healthz")).headers["Cache-Control"]
