"""Faults (issue 18, point 8): a lost database connection is replaced before a request uses
it (CONN_HEALTH_CHECKS), and Celery gives a task back when its worker dies and stops a task
that runs too long."""

import time

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.urls import reverse


def test_celery_gives_a_task_back_when_its_worker_dies_and_bounds_its_time():
    from iiz.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit <= 15 * 60


def test_connections_are_checked_before_they_are_reused():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def second_connection():
    """A connection of its own to the test database, beside the application's."""
    import psycopg

    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"], "port": db["PORT"]}
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_by_the_database_is_replaced_and_the_next_request_answers(client, officer):
    """The application keeps its connection between requests (CONN_MAX_AGE, as in production);
    the database ends it (pg_terminate_backend: a restart, a failover); the next request gets a
    new connection and answers 200. Without CONN_HEALTH_CHECKS it fails on the dead one."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL (CI runs on it: DATABASE_URL)")
    saved_max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60  # the connection outlives the request
    try:
        client.force_login(officer)
        close_old_connections()  # what Django's handler does as each request starts (the test client does not)
        assert client.get(reverse("home")).status_code == 200
        pid = connection.connection.info.backend_pid
        with second_connection() as other:
            assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
            deadline = time.monotonic() + 10
            while other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]:
                assert time.monotonic() < deadline, "the application's connection did not end"
                time.sleep(0.05)
        close_old_connections()
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert connection.connection.info.backend_pid != pid
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = saved_max_age
