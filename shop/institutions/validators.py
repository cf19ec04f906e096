"""The tax number on a 发票: a 统一社会信用代码 (unified social credit code),
checked by its check digit with python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError


def normalize_tax_number(value: str) -> str:
    return uscc.compact(value or "")


def validate_tax_number(value: str) -> None:
    try:
        uscc.validate(value)
    except StdnumError:
        raise ValidationError(
            _("纳税人识别号应为18位统一社会信用代码，请核对（末位是校验码）。"), code="uscc"
        ) from None
