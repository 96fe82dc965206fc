"""The one rounding of the accounting: to 0.05 CHF, halves away from zero."""

from decimal import Decimal

import pytest

from cases.accounting.money import chf, round_chf, share_of


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0", "0.00"),
        ("0.01", "0.00"),
        ("0.024", "0.00"),
        ("0.025", "0.05"),  # the half goes up
        ("0.026", "0.05"),
        ("0.05", "0.05"),
        ("0.074", "0.05"),
        ("0.075", "0.10"),
        ("1.974", "1.95"),
        ("1.975", "2.00"),
        ("1.99", "2.00"),
        ("2.024999", "2.00"),
        ("133.332", "133.35"),
        ("999999999.975", "1000000000.00"),
        ("-0.025", "-0.05"),  # symmetric: a credit rounds like a debit
        ("-1.974", "-1.95"),
        (3, "3.00"),
    ],
)
def test_amounts_are_rounded_to_five_rappen(amount, rounded):
    result = round_chf(Decimal(amount) if isinstance(amount, str) else amount)
    assert result == Decimal(rounded)
    assert str(result) == rounded  # always two decimal places


def test_a_share_is_rounded_once_from_the_exact_product():
    assert share_of(Decimal("333.33"), Decimal("40")) == Decimal("133.35")  # 133.332
    assert share_of(Decimal("100.10"), Decimal("33.33")) == Decimal("33.35")  # 33.36333
    assert share_of(Decimal("0.10"), Decimal("25")) == Decimal("0.05")  # 0.025


def test_amounts_print_with_swiss_thousands_separators():
    assert chf(Decimal("1234567.5")) == "1'234'567.50"
    assert chf(Decimal("0.05")) == "0.05"
