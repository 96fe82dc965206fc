"""A task for tests/test_worker_lost.py, loaded by the test's worker (``--include``): it notes
each start with the process id, waits until the test lets it finish, then notes the end."""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.probe")
def probe(folder: str) -> None:
    path = Path(folder)
    with (path / "starts").open("a") as starts:
        starts.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 60
    while not (path / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    with (path / "ends").open("a") as ends:
        ends.write(f"{os.getpid()}\n")
