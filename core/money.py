"""Money, in integer fen (DESIGN §4): the one place that formats, parses and
splits it.

Inside the project an amount is always an ``int`` of fen and a rate an
``int`` of basis points. Amounts become text only here, in two shapes:

- ``format_yuan``: for people, "¥1,234.56" (and ``format_yuan_signed`` for a
  change, "+¥10.00");
- ``yuan_amount``: for machines (CSV, payment files, Beancount, form inputs),
  "1234.56", a plain number a spreadsheet reads.

``yuan_to_fen`` and ``YuanField`` read what a person typed; Decimal is used
only there and in ``yuan_decimal``, never a float. Every aid figure is rounded
by ``round_half_up_share`` and split by ``split_largest_remainder``, so a
share is rounded the same way everywhere and a split always adds up to the
whole.
"""

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

# --- Formatting --------------------------------------------------------------


def yuan_amount(fen: int, *, grouped: bool = False) -> str:
    """1250 → "12.50", -5 → "-0.05"; ``grouped`` puts thousands separators in
    ("1,234.56"). From integers only, so no fen is ever rounded."""
    whole, cents = divmod(abs(fen), 100)
    sign = "-" if fen < 0 else ""
    return f"{sign}{whole:,}.{cents:02d}" if grouped else f"{sign}{whole}.{cents:02d}"


def format_yuan(fen: int) -> str:
    """For people: 123456 → "¥1,234.56", -250 → "-¥2.50"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{yuan_amount(abs(fen), grouped=True)}"


def format_yuan_signed(fen: int) -> str:
    """A change to what someone is owed: 1000 → "+¥10.00", -995 → "-¥9.95", 0 → "¥0.00"."""
    return f"+{format_yuan(fen)}" if fen > 0 else format_yuan(fen)


def yuan_decimal(fen: int) -> Decimal:
    """1250 → Decimal("12.5"), for spreadsheet cells that hold numbers; exact."""
    return Decimal(fen) / 100


# --- Parsing -----------------------------------------------------------------

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


# --- Shares and splits -------------------------------------------------------
#
# Only integers come in and go out: a float here would be a bug upstream.

BASIS_POINTS = 10_000


def _require_int(name: str, value: object) -> None:
    # bool is an int subclass; True fen is certainly a bug.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")


def round_half_up_share(amount_fen: int, rate_bp: int) -> int:
    """``amount_fen × rate_bp / 10000`` rounded half up to the fen (四舍五入).

    Negative amounts round symmetrically (half away from zero), so the share of
    a reversal is exactly minus the share of the sale it reverses.
    """
    _require_int("amount_fen", amount_fen)
    _require_int("rate_bp", rate_bp)
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError(f"rate_bp must be between 0 and {BASIS_POINTS}, got {rate_bp}")
    magnitude = (abs(amount_fen) * rate_bp + BASIS_POINTS // 2) // BASIS_POINTS
    return magnitude if amount_fen >= 0 else -magnitude


def split_largest_remainder(
    total_fen: int, weights: Mapping[str, int], *, rotation: str | None = None
) -> dict[str, int]:
    """Split ``total_fen`` among the keys in proportion to their weights (Hamilton method).

    Each key first gets the floor of its exact quota; the fen left over go one
    each to the largest remainders. Ties are broken by the key in ascending
    order, or, with a ``rotation`` (e.g. the period "2026-10"), by
    sha256("<rotation>:<key>"): still deterministic, but a different order
    for each rotation, so equal households do not get the extra fen in every
    period just because their registration numbers sort first. So the parts
    add up to the total exactly, each part is within one fen of its exact
    quota, and the result does not depend on the order of ``weights``. A
    negative total is split as minus the split of its absolute value, so a
    split and its reversal net to zero for every key. Zero weights are
    allowed and get nothing.
    """
    _require_int("total_fen", total_fen)
    for key, weight in weights.items():
        _require_int(f"weight of {key!r}", weight)
        if weight < 0:
            raise ValueError(f"weights must not be negative: {key!r} has {weight}")
    total_weight = sum(weights.values())
    if total_weight == 0:
        raise ValueError(
            f"cannot split {total_fen} fen: the total weight is zero "
            f"({len(weights)} key(s), none with a positive weight)"
        )
    if total_fen < 0:
        positive = split_largest_remainder(-total_fen, weights, rotation=rotation)
        return {key: -part for key, part in positive.items()}

    keys = sorted(weights)
    parts = {key: total_fen * weights[key] // total_weight for key in keys}
    left_over = total_fen - sum(parts.values())

    def tie_order(key: str) -> tuple[bytes, str]:
        if rotation is None:
            return b"", key
        return hashlib.sha256(f"{rotation}:{key}".encode()).digest(), key

    by_remainder = sorted(
        keys, key=lambda key: (-(total_fen * weights[key] % total_weight), tie_order(key))
    )
    for key in by_remainder[:left_over]:
        parts[key] += 1
    return parts
