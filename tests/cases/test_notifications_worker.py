"""Integration: real Celery workers on a real Redis e-mail the notifications (cases/tasks.py).

The same two workers as the reminders' test (test_deadlines_reminders_worker.py), on a
Redis database of this test: database 7 of the CI machine's Redis when ``REDIS_URL`` is set,
otherwise a private ``redis-server``. A step is taken and committed in the test process,
whose action queues the e-mail on that broker; the task is then sent once more, so that
both workers run it at once. The recipient gets exactly one e-mail, in her language. (The
daily digest waits for its hour, which a worker's clock cannot be moved to: it is tested
in-process, in test_notifications.py.)
"""

import os
import time

import pytest
import redis
from celery import Celery

from cases import actions, notices, tasks
from cases.models import EmailState, Notification
from tests.cases.test_deadlines_reminders_worker import (  # noqa: F401  (workers: a fixture, found by pytest by name)
    start_private_redis,
    wait_for,
    workers,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_rows")]


@pytest.fixture
def broker_url():
    """A Redis database for this test alone (``workers`` asks for it by this name)."""
    if os.environ.get("REDIS_URL"):
        url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/7"
        redis.Redis.from_url(url).flushdb()
        yield url
        redis.Redis.from_url(url).flushdb()
        return
    yield from start_private_redis()


@pytest.fixture
def queued_on(broker_url):
    """The test process queues its tasks on the workers' broker instead of running them (on
    the Celery app the tasks are bound to: the current one, which another test may have set)."""
    app = tasks.send_notifications._get_app()
    before = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}

    def forget_connections():  # looked up again, for the broker configured now
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(task_always_eager=False, broker_url=broker_url)
    forget_connections()
    try:
        yield broker_url
    finally:
        app.conf.update(before)
        forget_connections()


def test_two_workers_email_a_committed_notification_once_in_the_recipients_language(
    make_case, coordinator, case_manager, queued_on, request
):
    logs = request.getfixturevalue("workers")  # the two workers, started on the broker of ``queued_on``
    case_manager.email, case_manager.language = "cora@example.ch", "fr"
    case_manager.save()
    with notices.held_back():  # the steps before: no e-mail
        case = make_case("plan_validation")

    actions.validate_plan(case, by=coordinator)  # committed: the action queues the e-mail
    notification = Notification.objects.get(case=case, event="validate_plan")
    probe = Celery("probe", broker=queued_on, set_as_current=False)
    probe.send_task("cases.send_notifications", args=[[notification.pk]])  # a second worker at once
    wait_for(lambda: Notification.objects.get(pk=notification.pk).email_state == EmailState.SENT, "the e-mail")

    broker = redis.Redis.from_url(queued_on)
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, "the queue to drain")
    time.sleep(1)

    output = "".join(log.read_text() for log in logs)
    # the task queued by the action on commit and the one sent again: two runs, one e-mail
    assert len([line for line in output.splitlines() if "cases.send_notifications[" in line and "received" in line]) == 2
    assert output.count("To: cora@example.ch") == 1
    assert f"Le plan d'action du dossier {case.reference} a été validé." in output
    assert "succeeded" in output and "Traceback" not in output
