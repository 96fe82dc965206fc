"""The Swiss social-security number (AHV / AVS number, AHVN13): 756.XXXX.XXXX.XC.

13 digits starting with 756; the last is an EAN-13 check digit over the first 12
(weights 1, 3, 1, 3, … from the left; check = (10 − sum mod 10) mod 10).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-]")


def digits_of(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid(value: str) -> bool:
    digits = digits_of(value)
    return len(digits) == 13 and digits.isdigit() and digits.startswith("756") and check_digit(digits[:12]) == int(digits[12])


def normalize(value: str) -> str:
    """The canonical form 756.XXXX.XXXX.XX (the input must be valid)."""
    d = digits_of(value)
    return f"{d[:3]}.{d[3:7]}.{d[7:11]}.{d[11:]}"


def validate_ahv(value: str) -> None:
    digits = digits_of(value)
    if not digits.isdigit() or len(digits) != 13:
        raise ValidationError(_("An AHV number has 13 digits: 756.XXXX.XXXX.XX."), code="ahv_length")
    if not digits.startswith("756"):
        raise ValidationError(_("A Swiss AHV number starts with 756."), code="ahv_prefix")
    if check_digit(digits[:12]) != int(digits[12]):
        raise ValidationError(_("This AHV number is not valid: its check digit does not match."), code="ahv_check")
