"""Amounts in Swiss francs: Decimal, rounded to 0.05 CHF (5 Rappen) as Swiss invoices are."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FIVE_CENTS = Decimal("0.05")


def round_chf(amount: Decimal | int | str) -> Decimal:
    """``amount`` rounded to the nearest 0.05 CHF, halves away from zero (2.025 → 2.05,
    2.024 → 2.00, −2.025 → −2.05), with two decimal places. The one rounding of the accounting:
    every position and total goes through it."""
    value = Decimal(amount)
    twentieths = (value * 20).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (twentieths * FIVE_CENTS).quantize(CENT)


def share_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded to 0.05 CHF."""
    return round_chf(Decimal(amount) * Decimal(percent) / 100)


def chf(amount: Decimal) -> str:
    """An amount as Swiss invoices print it: 1'234.50."""
    return f"{Decimal(amount):,.2f}".replace(",", "'")
