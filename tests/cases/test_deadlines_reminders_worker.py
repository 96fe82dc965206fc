"""Integration: real Celery workers on a real Redis send the reminders (cases/tasks.py).

Two worker processes are started against the test database (committed data: a
transactional test) and a Redis database of their own: the CI machine's Redis when
``REDIS_URL`` is set, otherwise a private ``redis-server`` started for the test. The test
sends the tasks the beat schedule sends, twice each so that both workers run them at once,
and checks that every reminder exists and is e-mailed exactly once. The workers print their
e-mails on the console (no EMAIL_URL), which the test reads.
"""

import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import time_machine
from celery import Celery
from django.db import connection
from django.utils import timezone

from cases import actions
from cases.deadlines import FIRST_MEETING, POWER_OF_ATTORNEY
from cases.models import Reminder
from tests.factories import institution

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_rows")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker_url():
    """A Redis database for this test alone."""
    if os.environ.get("REDIS_URL"):
        url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/13"
        redis.Redis.from_url(url).flushdb()
        yield url
        redis.Redis.from_url(url).flushdb()
        return
    yield from start_private_redis()


def start_private_redis():
    """A ``redis-server`` of the test's own on a free port; yields its URL, stops it after."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"

    def answers():
        try:
            return redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            return False

    try:
        wait_for(answers, "redis-server", timeout=20)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def database_url() -> str:
    """The test database, as the workers' DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def workers(broker_url, tmp_path):
    env = {
        **os.environ,
        "REDIS_URL": broker_url,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "iiz.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_URL", None)
    logs, processes = [], []
    for number in (1, 2):
        log = tmp_path / f"worker{number}.log"
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "iiz",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "-n",
                    f"test{number}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    try:
        wait_for(lambda: all("ready." in log.read_text() for log in logs), "both workers to start", timeout=60)
        yield logs
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_two_workers_on_redis_create_and_send_each_reminder_once(make_case, case_manager, coordinator, broker_url, workers):
    case_manager.email = "cora@example.ch"
    case_manager.save()
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - datetime.timedelta(days=20), tick=False):
        late = make_case("cm_designated")  # first meeting overdue for six days
    poa = actions.record_power_of_attorney(
        make_case("implementation"),
        by=case_manager,
        institutions=[institution("rav")],
        signed_on=today - datetime.timedelta(days=360),
    )  # ends within the week: the 7-day reminder
    app = Celery("probe", broker=broker_url, set_as_current=False)
    broker = redis.Redis.from_url(broker_url)

    for name in ("cases.sweep_reminders", "cases.sweep_reminders"):
        app.send_task(name)
    wait_for(lambda: Reminder.objects.count() >= 2, "the sweep")
    for name in ("cases.send_reminders", "cases.send_reminders", "cases.sweep_reminders", "cases.send_reminders"):
        app.send_task(name)
    wait_for(lambda: not Reminder.objects.filter(sent_at__isnull=True).exists(), "the sending")
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, "the queue to drain")
    time.sleep(1)

    assert sorted(Reminder.objects.values_list("case_id", "rule", "kind", "recipient__username")) == sorted(
        [
            (late.pk, FIRST_MEETING, "overdue", "cora-cm"),
            (poa.case_id, POWER_OF_ATTORNEY, "7_days", "cora-cm"),
        ]
    )
    output = "".join(log.read_text() for log in workers)
    assert output.count("To: cora@example.ch") == 2
    assert output.count(f"/cases/{late.pk}/") == 1 and output.count(f"/cases/{poa.case_id}/") == 1
    assert "succeeded" in output and "Traceback" not in output
