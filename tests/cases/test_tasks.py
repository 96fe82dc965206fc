"""The Celery tasks (cases/tasks.py) of the end of a support: they take ids, call
cases/notices.py, and try again later only the recipients whose e-mail failed."""

import pytest
from celery.exceptions import Retry

from cases import notices, tasks


class Retried(Retry):
    pass


@pytest.fixture
def failing_for(monkeypatch):
    """notices.send_end_of_support fails for the ids given; the calls are recorded."""
    calls = []

    def setup(*failing):
        def send(case_id, recipient_ids, submitted_by_id=None):
            calls.append((case_id, list(recipient_ids), submitted_by_id))
            return [pk for pk in recipient_ids if pk in failing]

        monkeypatch.setattr(notices, "send_end_of_support", send)
        return calls

    return setup


def test_the_task_passes_its_ids_on_and_counts_what_was_sent(failing_for):
    calls = failing_for()
    assert tasks.send_end_of_support.run(7, [1, 2, 3], 4) == 3
    assert calls == [(7, [1, 2, 3], 4)]


def test_on_a_worker_only_the_failed_recipients_are_tried_again_later(failing_for, monkeypatch):
    failing_for(2)
    retries = []

    def retry(**options):
        retries.append(options)
        return Retried()

    monkeypatch.setattr(tasks.send_end_of_support, "retry", retry)
    with pytest.raises(Retried):
        tasks.send_end_of_support.run(7, [1, 2, 3], 4)
    assert retries[0]["args"] == (7, [2], 4)
    assert retries[0]["countdown"] == 120


def test_in_process_a_failure_is_not_tried_again(failing_for, monkeypatch):
    calls = failing_for(2)
    monkeypatch.setattr(tasks.send_end_of_support, "retry", lambda **options: pytest.fail("no retry in-process"))
    assert tasks.send_end_of_support.apply(args=(7, [1, 2, 3], 4)).get() == 2
    assert calls == [(7, [1, 2, 3], 4)]
