"""Fixtures of the accounting tests: a table of shares and a few costs, made by the real actions."""

import datetime
from decimal import Decimal

import pytest

from cases.accounting import actions
from tests.factories import institution

START = datetime.date(2026, 1, 1)


@pytest.fixture
def shares(officer):
    """From 1 January 2026: RAV 40 %, social services 35 %, disability insurance 25 %."""
    return actions.set_cost_shares(
        by=officer,
        valid_from=START,
        shares={institution("rav"): Decimal("40"), institution("social"): Decimal("35"), institution("ai"): Decimal("25")},
    )


@pytest.fixture
def make_cost(secretariat):
    def make(amount="1000.00", day=datetime.date(2026, 3, 10), kind="assessment", description="Assessment", **fields):
        return actions.record_cost(
            by=secretariat, kind=kind, incurred_on=day, description=description, amount=Decimal(amount), **fields
        )

    return make


@pytest.fixture
def invoice(shares, make_cost, secretariat):
    """A draft invoice to the RAV for March 2026: two costs at 40 %."""
    make_cost("1000.00", description="Assessment A")
    make_cost("333.33", kind="measure", description="Job coaching")
    return actions.make_invoice(
        by=secretariat,
        institution=institution("rav"),
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
    )
