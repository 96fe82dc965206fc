"""Invoices made at the same moment get distinct, consecutive numbers and never bill a cost
twice: real threads, each with its own database connection, on the database the suite runs
on (PostgreSQL in CI: the row lock on the year's counter, including the race for the first
number of the year; SQLite locally: immediate transactions that take their turns)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from cases.accounting import actions
from cases.models import Invoice, InvoiceLine
from roles.models import Institution

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_rows")]

THREADS = 4
EACH = 3  # invoices per thread: one per month


def test_concurrent_invoices_get_distinct_consecutive_numbers(officer, secretariat):
    institutions = list(Institution.objects.order_by("code")[:THREADS])
    actions.set_cost_shares(
        by=officer, valid_from=datetime.date(2026, 1, 1), shares={inst: Decimal(100) / THREADS for inst in institutions}
    )
    for month in range(1, EACH + 1):
        actions.record_cost(
            by=secretariat, kind="measure", incurred_on=datetime.date(2026, month, 5), description=f"M{month}", amount=100
        )
    errors = []
    start = threading.Barrier(THREADS)

    def bill(institution):
        try:
            start.wait()
            for month in range(1, EACH + 1):
                actions.make_invoice(
                    by=secretariat,
                    institution=institution,
                    period_start=datetime.date(2026, month, 1),
                    period_end=datetime.date(2026, month, 28),
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bill, args=(inst,)) for inst in institutions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = datetime.date.today().year
    assert numbers == [f"{year}-{n:04d}" for n in range(1, THREADS * EACH + 1)]
    assert InvoiceLine.objects.count() == THREADS * EACH  # each cost once per institution
    assert set(Invoice.objects.values_list("total", flat=True)) == {Decimal("25.00")}


def test_the_same_costs_billed_twice_at_once_go_on_one_invoice_only(officer, secretariat):
    rav = Institution.objects.get(code="rav")
    actions.set_cost_shares(by=officer, valid_from=datetime.date(2026, 1, 1), shares={rav: 100})
    actions.record_cost(by=secretariat, kind="measure", incurred_on=datetime.date(2026, 2, 5), description="M", amount=80)
    outcomes = []
    start = threading.Barrier(THREADS)

    def bill():
        try:
            start.wait()
            actions.make_invoice(
                by=secretariat, institution=rav, period_start=datetime.date(2026, 2, 1), period_end=datetime.date(2026, 2, 28)
            )
            outcomes.append("made")
        except actions.ActionRefused:
            outcomes.append("nothing to bill")
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bill) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes)) == ["made"] + ["nothing to bill"] * (THREADS - 1)
    assert Invoice.objects.count() == 1
