"""Validation of resident identity card numbers (公民身份号码, GB 11643-1999) and bank
account numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

_CHECK_CHARACTERS = "10X98765432"

_ID_NUMBER = re.compile(r"\d{17}[\dX]")

# Personal cards have 16 to 19 digits; business accounts (对公账户) vary by bank,
# from about 9 digits to over 20. ASCII digits only: \d would let full-width
# ones through, which no bank file accepts.
_BANK_ACCOUNT_NUMBER = re.compile(r"[0-9]{8,30}")


def id_number_check_character(first_17_digits: str) -> str:
    """The 18th character of an ID number: ISO 7064 MOD 11-2 over the first 17 digits."""
    if not re.fullmatch(r"\d{17}", first_17_digits):
        raise ValueError(f"expected 17 digits, got {first_17_digits!r}")
    total = sum(
        int(digit) * weight for digit, weight in zip(first_17_digits, _WEIGHTS, strict=True)
    )
    return _CHECK_CHARACTERS[total % 11]


def validate_id_number(value: str) -> None:
    if not _ID_NUMBER.fullmatch(value) or id_number_check_character(value[:17]) != value[17]:
        # The message never repeats the value: it is personal data.
        raise ValidationError(
            _("身份证号码应为18位，最后一位校验码须正确（X 为大写）。"), code="invalid_id_number"
        )


def validate_bank_account_number(value: str) -> None:
    if not _BANK_ACCOUNT_NUMBER.fullmatch(value):
        # The message never repeats the value: it is personal data.
        raise ValidationError(_("银行账号应为8至30位数字。"), code="invalid_bank_account_number")
