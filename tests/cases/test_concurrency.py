"""Concurrent intake (cases.actions.report_case, next_reference) never gives the same
reference number twice: real threads, each with its own database connection, on the
database the suite runs on.

On PostgreSQL (CI) it tests the row lock on the reference counter, including the race for
the first number of a year (the counter table starts empty). On SQLite (locally) it tests
the settings that make concurrent writers wait instead of failing: with SQLite's default
deferred transactions the threads get "database is locked"; with immediate ones and a busy
timeout they take their turns, and the numbers come out unique and without gaps."""

import threading

import pytest
from django.db import connection

from cases import actions
from cases.models import Case
from tests.factories import PersonFactory, institution, region


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_unique_reference_numbers_under_concurrent_intake(frontline):
    rav, ow = institution("rav"), region("ow")
    people = [PersonFactory.build(first_name=f"P{i}") for i in range(12)]
    errors = []
    start = threading.Barrier(4)

    def report(batch):
        try:
            start.wait()
            for person in batch:
                actions.report_case(
                    by=frontline,
                    person=person,
                    reporting_institution=rav,
                    institutions=[rav],
                    region=ow,
                    theme=None,
                    reason="parallel",
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(people[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == 12 == len(set(references))
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, 13))
