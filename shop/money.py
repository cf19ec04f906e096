"""Money at the edges: amounts are integer fen everywhere inside; Decimal only
to read what a person typed ("12.50") and to show yuan ("¥12.50")."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


def format_fen(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")


def yuan_to_fen(text: str) -> int:
    """'12.5' -> 1250. Refuses more than two decimals rather than rounding money."""
    cleaned = str(text).strip().lstrip("¥").replace(",", "")
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(f"not an amount in yuan and fen: {text!r}")
    return int(Decimal(cleaned) * 100)


class YuanField(forms.CharField):
    """A form field where people type yuan; cleans to integer fen."""

    def __init__(self, *, min_fen: int = 1, max_fen: int = 100_000_000_00, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.min_fen, self.max_fen = min_fen, max_fen

    def clean(self, value) -> int | None:
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            fen = yuan_to_fen(value)
        except ValueError:
            raise forms.ValidationError(_("请输入金额，例如 12.50（最多两位小数）。")) from None
        if not self.min_fen <= fen <= self.max_fen:
            raise forms.ValidationError(_("金额超出允许范围。"))
        return fen
