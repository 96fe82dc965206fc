"""The AHV number (cases/ahv.py): the check digit, the format, and what the validation says
is wrong."""

import pytest
from django.core.exceptions import ValidationError

from cases import ahv


def test_the_documented_number_is_valid():
    assert ahv.is_valid("756.9217.0769.85")
    assert ahv.is_valid("7569217076985")
    assert ahv.normalize("756 9217 0769 85") == "756.9217.0769.85"


@pytest.mark.parametrize("position", range(13))
def test_changing_any_single_digit_makes_it_invalid(position):
    digits = list("7569217076985")
    digits[position] = str((int(digits[position]) + 1) % 10)
    assert not ahv.is_valid("".join(digits))


@pytest.mark.parametrize(
    "value, code",
    [
        ("756.9217.0769.8", "ahv_length"),
        ("123.9217.0769.85", "ahv_prefix"),
        ("756.9217.0769.84", "ahv_check"),
        ("abc", "ahv_length"),
    ],
)
def test_validation_says_what_is_wrong(value, code):
    with pytest.raises(ValidationError) as error:
        ahv.validate_ahv(value)
    assert error.value.code == code
