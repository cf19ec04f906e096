"""Mainland Chinese mobile numbers: how people type them and what is valid.

In the lowest app because producers log in to their portal by mobile number
and buyers give one for delivery."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only: ``\d`` would also take Arabic-Indic and other digits, which
# would then be stored and sent to an SMS gateway as they are.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")

# Chinese input methods often type full-width digits, plus and hyphen (１３８, ＋, －).
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86 prefix and make full-width digits ASCII, as
    people type them."""
    digits = re.sub(r"[\s\-]", "", (value or "").translate(_FULL_WIDTH))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(_MOBILE.fullmatch(normalize_mobile(value)))


def validate_mobile(value: str) -> None:
    if not is_mobile(value):
        raise ValidationError(
            _("请输入11位中国大陆手机号码，例如 13812345678。"), code="invalid_mobile"
        )
