"""How aid is computed (DESIGN §4, §7): the one place that answers it.

- **Which rule.** A line is governed by the rule version valid on the local
  date it was paid: a rule for its product overrides the rule for its
  producer; no valid rule means no aid.
- **How much.** aid = round_half_up(line net × share) + fixed fen × quantity,
  capped at the line net: a sale never owes more aid than it took in.
- **Refunds.** After refunds totalling R of a line of total T, the aid
  reversed so far is round_half_up(aid × R / T). Each refund reverses the
  growth of that figure, so a refund reverses its proportion of the aid, and
  the refund that brings R to T reverses exactly what is left.
- **Who gets it.** A close splits a pool's amount among its beneficiaries by
  largest remainder, weighted 1 per household or by household members. Ties
  (the fen left over when equal households cannot share equally) are broken
  by sha256("<period>:<registration number>"), a different order each
  period, so the same households do not get the spare fen every month.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q

from aid_accounting.households.models import Household
from aid_accounting.rules.models import AidPool, AidRule
from core.money import round_half_up_share, split_largest_remainder
from shop.orders.models import OrderLine


@dataclass(frozen=True)
class LineAid:
    """The split of one line's revenue between its producer and its rule's pool."""

    rule: AidRule | None
    aid_fen: int
    producer_fen: int


def rule_for(*, producer_id: int, product_id: int | None, on: datetime.date) -> AidRule | None:
    """The rule version governing a sale of this product on this local date,
    with its pool."""
    rules = _valid_rules(producer_ids={producer_id}, first=on, last=on, related=("pool",))
    return _governing(rules, product_id, on)


def _valid_rules(
    *,
    producer_ids: set[int],
    first: datetime.date,
    last: datetime.date,
    # The producer and product name the rule in the accrual's memo.
    related: tuple[str, ...] = ("pool", "producer", "product"),
) -> list[AidRule]:
    """The rule versions of these producers valid on any day from ``first``
    to ``last``, newest version first, with their ``related`` rows."""
    return list(
        AidRule.objects.filter(producer_id__in=producer_ids, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .select_related(*related)
        .order_by("-version", "pk")
    )


def _governing(rules: list[AidRule], product_id: int | None, on: datetime.date) -> AidRule | None:
    """Of one producer's ``rules``, the one governing a sale of the product on ``on``."""
    mine = [
        rule
        for rule in rules
        if rule.valid_from <= on and (rule.valid_to is None or on <= rule.valid_to)
    ]
    # A rule for the product overrides the producer's.
    if product_id is not None:
        for rule in mine:
            if rule.product_id == product_id:
                return rule
    return next((rule for rule in mine if rule.product_id is None), None)


def aid_for(*, net_fen: int, quantity: int, rule: AidRule | None) -> int:
    """The aid owed on ``net_fen`` of revenue for ``quantity`` units under ``rule``."""
    if rule is None or net_fen <= 0:
        return 0
    aid = round_half_up_share(net_fen, rule.share_bp) + rule.fixed_fen_per_unit * quantity
    return min(aid, net_fen)


def allocate_lines(
    *, lines: Sequence[OrderLine], paid_on: Mapping[int, datetime.date]
) -> dict[int, LineAid]:
    """Split just-paid lines (no refunds yet, so a line's net is its total),
    each paid on the local date its order's id maps to in ``paid_on``; by
    line id. One query, however many lines and orders."""
    rules = rules_governing(
        sales=[
            Sale(line.producer_id, line.variant.product_id, paid_on[line.order_id])
            for line in lines
        ]
    )
    splits = {}
    for line, rule in zip(lines, rules, strict=True):
        aid = aid_for(net_fen=line.total_fen, quantity=line.quantity, rule=rule)
        splits[line.pk] = LineAid(rule=rule, aid_fen=aid, producer_fen=line.total_fen - aid)
    return splits


class Sale(NamedTuple):
    """What decides a sale's rule: its producer, its product, its local day."""

    producer_id: int
    product_id: int | None
    on: datetime.date


def rules_governing(
    *, sales: Sequence[Sale], related: tuple[str, ...] = ("pool", "producer", "product")
) -> list[AidRule | None]:
    """The rule version governing each of ``sales``, in order (``rule_for``
    for many): one query, however many sales. Accrual uses it, and
    ``aid_reconcile`` to check that each line was accrued under it."""
    if not sales:
        return []
    days = [sale.on for sale in sales]
    by_producer: dict[int, list[AidRule]] = defaultdict(list)
    for rule in _valid_rules(
        producer_ids={sale.producer_id for sale in sales},
        first=min(days),
        last=max(days),
        related=related,
    ):
        by_producer[rule.producer_id].append(rule)
    return [_governing(by_producer[sale.producer_id], sale.product_id, sale.on) for sale in sales]


def aid_reversed_after(*, aid_fen: int, line_total_fen: int, refunded_fen: int) -> int:
    """The aid reversed in all once ``refunded_fen`` of the line is refunded:
    round half up of aid × refunded / total, in integers; all of it when the
    whole line is refunded."""
    if not 0 <= refunded_fen <= line_total_fen:
        raise ValueError(f"refunded {refunded_fen} fen of a line of {line_total_fen} fen")
    if refunded_fen == line_total_fen:
        return aid_fen
    return (2 * aid_fen * refunded_fen + line_total_fen) // (2 * line_total_fen)


def household_weight(*, household: Household, weighting: AidPool.Weighting | str) -> int:
    if weighting == AidPool.Weighting.MEMBERS:
        return household.member_count
    return 1


# What a split and a household's ledger account need of a household: a close
# reads only these, never the encrypted personal data (``Household.PERSONAL_FIELDS``).
SPLIT_FIELDS = ("pk", "registration_number", "head_name", "member_count")


def split_among_households(
    *,
    amount_fen: int,
    households: list[Household],
    weighting: AidPool.Weighting | str,
    period: str,
) -> dict[Household, int]:
    """Each household's share of ``amount_fen`` in the close of ``period``
    ("2026-10"); the shares add up to it exactly, ties rotate by period."""
    by_number = {household.registration_number: household for household in households}
    shares = split_largest_remainder(
        amount_fen,
        {
            number: household_weight(household=household, weighting=weighting)
            for number, household in by_number.items()
        },
        rotation=period,
    )
    return {by_number[number]: share for number, share in shares.items()}
