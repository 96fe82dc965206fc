"""Integration (issue 18, point 8): a Celery worker process killed in the middle of a task
gives the task back (acks_late + task_reject_on_worker_lost) and it runs again to its end,
once. A real worker (prefork, one child) on Redis: the CI's (REDIS_URL) or a private one."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.cases.test_deadlines_reminders_worker import broker_url, wait_for  # noqa: F401  (broker_url: a fixture)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(broker_url, tmp_path):  # noqa: F811
    env = {**os.environ, "REDIS_URL": broker_url, "DJANGO_SETTINGS_MODULE": "iiz.settings", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)  # the probe touches no database
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iiz",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--include=tests.celery_probe",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            "lost@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: "ready." in log.read_text(), "the worker to start", timeout=60)
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_task_whose_worker_process_dies_runs_again_to_its_end_once(broker_url, worker, tmp_path):  # noqa: F811
    folder = tmp_path / "probe"
    folder.mkdir()
    app = Celery("probe", broker=broker_url, set_as_current=False)
    app.send_task("tests.probe", args=[str(folder)])

    wait_for(lambda: len(lines(folder / "starts")) == 1, "the task to start")
    first = int(lines(folder / "starts")[0])
    os.kill(first, signal.SIGKILL)  # the worker's child dies mid-task (out of memory, a crash)

    wait_for(lambda: len(lines(folder / "starts")) == 2, "the task to run again", timeout=60)
    second = int(lines(folder / "starts")[1])
    assert second != first
    (folder / "go").touch()
    wait_for(lambda: lines(folder / "ends"), "the task to end")
    broker = redis.Redis.from_url(broker_url)
    wait_for(lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, "the queue to drain")
    assert lines(folder / "ends") == [str(second)]
    assert "WorkerLostError" in worker.read_text()
