"""What buyers see of the aid (DESIGN §7 Transparency): a product's rule in
words, an order's impact and the township's totals.

Read-only selectors for the template tags in ``templatetags/aid_impact.py``;
the shop's templates load those tags, so the shop never imports this app.
Nothing here names a household: only counts of households and names of
villages leave this module.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Func, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, DailyTotal, Entry, Transaction
from aid_accounting.payouts.models import PayoutRow
from aid_accounting.periods.models import PoolDistribution
from aid_accounting.rules.allocation import aid_for, rule_for
from aid_accounting.rules.models import AidPool, AidRule
from core.money import format_yuan
from shop.catalogue.models import ProductPage, ProductVariant
from shop.orders.models import Order

# Villages named in a rule's sentence before "等N个重点村".
NAMED_VILLAGES = 2


def rule_text(*, product: ProductPage, on: datetime.date | None = None) -> str:
    """The rule governing a sale of ``product`` today, in words, e.g.
    "每单收入的25%用于姜庄村、孔庄村等9个重点村的脱贫户"; "" when no rule applies."""
    rule = rule_for(
        producer_id=product.producer_id,
        product_id=product.pk,
        on=on or timezone.localdate(),
    )
    if rule is None or not (rule.share_bp or rule.fixed_fen_per_unit):
        return ""
    return _rule_words(rule, reach=_pool_reach(rule.pool))


@dataclass(frozen=True)
class UnitShare:
    """What one unit sold gives, under the product's rule of today."""

    rule_text: str  # as ``rule_text`` words it
    # "每售出一件，¥9.95 归 530 户脱贫户" at the price the page opens with, the aid as the
    # accrual computes it; and the same for one unit of each variant, by its pk as
    # text (a page's script shows the chosen one's).
    sentence: str
    sentence_by_variant: dict[str, str]


def unit_share(
    *,
    product: ProductPage,
    price_fen: int | None,
    variants: Iterable[ProductVariant] = (),
    on: datetime.date | None = None,
) -> UnitShare | None:
    """The aid of one unit of ``product`` sold at ``price_fen`` (and at each of
    ``variants``' prices) and the households it reaches (those a close made now
    would pay from the rule's pool); None when no rule applies (or there is no
    price to apply it to)."""
    rule = rule_for(
        producer_id=product.producer_id, product_id=product.pk, on=on or timezone.localdate()
    )
    if rule is None or not (rule.share_bp or rule.fixed_fen_per_unit) or not price_fen:
        return None
    reach = _pool_reach(rule.pool)
    households = reach.households

    def sentence(price: int) -> str:
        amount = format_yuan(aid_for(net_fen=price, quantity=1, rule=rule))
        if not households:
            return _("每售出一件，%(amount)s 进入帮扶资金") % {"amount": amount}
        return ngettext(
            "每售出一件，%(amount)s 归 %(households)s 户脱贫户",
            "每售出一件，%(amount)s 归 %(households)s 户脱贫户",
            households,
        ) % {"amount": amount, "households": households}

    return UnitShare(
        rule_text=_rule_words(rule, reach=reach),
        sentence=sentence(price_fen),
        sentence_by_variant={str(variant.pk): sentence(variant.price_fen) for variant in variants},
    )


@dataclass(frozen=True)
class _PoolReach:
    households: int  # the households a close made now would pay from the pool
    named: int  # the households the pool names


def _pool_reach(pool: AidPool) -> _PoolReach:
    """Both counts in one query, as two subqueries (no table scanned for them)."""
    counts = (
        AidPool.objects.filter(pk=pool.pk)
        .annotate(
            reached=_count(pool.beneficiaries()),
            named=_count(Household.objects.filter(pk__in=pool.households.values("pk"))),
        )
        .values("reached", "named")
        .get()
    )
    return _PoolReach(households=counts["reached"], named=counts["named"])


def _count(queryset) -> Subquery:
    """``SELECT COUNT(*)`` of ``queryset``, as a subquery."""
    return Subquery(
        queryset.order_by().values(count=Func(F("pk"), function="COUNT")),
        output_field=IntegerField(),
    )


def _rule_words(rule: AidRule, *, reach: _PoolReach) -> str:
    return _("%(amount)s用于%(beneficiaries)s") % {
        "amount": _rule_amount(rule),
        "beneficiaries": _beneficiaries(rule.pool, named=reach.named),
    }


def _rule_amount(rule: AidRule) -> str:
    if rule.share_bp and rule.fixed_fen_per_unit:
        return _("每单收入的%(share)s另加每件%(fixed)s") % {
            "share": rule.share_percent,
            "fixed": format_yuan(rule.fixed_fen_per_unit),
        }
    if rule.share_bp:
        return _("每单收入的%(share)s") % {"share": rule.share_percent}
    return _("每件%(fixed)s") % {"fixed": format_yuan(rule.fixed_fen_per_unit)}


def _beneficiaries(pool: AidPool, *, named: int) -> str:
    villages = list(
        pool.villages.filter(is_key_village=True).order_by("name").values_list("name", flat=True)
    )
    parts = []
    if villages:
        parts.append(_village_phrase(villages))
    if named:
        parts.append(_("%(count)s户指定帮扶户") % {"count": named})
    # A pool not yet given villages or households still goes to poor households.
    return _("及").join(parts) or _("重点村的脱贫户")


def _village_phrase(names: list[str]) -> str:
    shown = pgettext("list separator", "、").join(names[:NAMED_VILLAGES])
    if len(names) <= NAMED_VILLAGES:
        return _("%(villages)s的脱贫户") % {"villages": shown}
    return _("%(villages)s等%(count)s个重点村的脱贫户") % {"villages": shown, "count": len(names)}


# An order's impact -------------------------------------------------------------


@dataclass(frozen=True)
class PoolImpact:
    """What one order gave one pool, and what became of it."""

    pool_name: str
    villages: list[str]
    aid_fen: int
    # The part of the aid first attributed that refunds took back (already out of aid_fen).
    reversed_fen: int
    # Set once a close distributed this order's lines of the pool; several
    # closes (lines delivered in different months) report their total reach.
    household_count: int | None
    distributed_on: datetime.date | None
    paid_on: datetime.date | None


@dataclass(frozen=True)
class OrderImpact:
    pools: list[PoolImpact]

    @property
    def aid_fen(self) -> int:
        return sum(pool.aid_fen for pool in self.pools)

    @property
    def reversed_fen(self) -> int:
        """What refunds took back: the page says "net of refunds" only when there were some."""
        return sum(pool.reversed_fen for pool in self.pools)


def order_impact(*, order: Order) -> OrderImpact:
    """The aid ``order`` attributed, net of refunds, per pool; at most five
    queries whatever the number of lines."""
    accruals = list(
        LineAccrual.objects.filter(line__order=order, aid_fen__gt=0)
        .select_related("pool")
        .order_by("pool__name", "pk")
    )
    if not accruals:
        return OrderImpact(pools=[])
    by_pool: dict[int, list[LineAccrual]] = defaultdict(list)
    for accrual in accruals:
        by_pool[accrual.pool_id].append(accrual)
    villages = _pool_villages(pool_ids=list(by_pool))
    distributions = _distributions(accruals=accruals)
    paid = _paid_on(distributions=list(distributions.values()))
    pools = []
    for pool_id, pool_accruals in by_pool.items():
        closes = [
            distributions[(pool_id, accrual.distributed_in_id)]
            for accrual in pool_accruals
            if (pool_id, accrual.distributed_in_id) in distributions
        ]
        # Lines still waiting for a close leave the pool's reach unknown.
        settled = len(closes) == len(pool_accruals)
        paid_dates = [paid.get(close.pk) for close in closes]
        pools.append(
            PoolImpact(
                pool_name=pool_accruals[0].pool.name,
                villages=villages.get(pool_id, []),
                aid_fen=sum(a.aid_fen - a.reversed_fen for a in pool_accruals),
                reversed_fen=sum(a.reversed_fen for a in pool_accruals),
                household_count=max(c.household_count for c in closes) if settled else None,
                distributed_on=(
                    timezone.localtime(max(c.created_at for c in closes)).date()
                    if settled
                    else None
                ),
                paid_on=max(paid_dates) if settled and all(paid_dates) else None,
            )
        )
    return OrderImpact(pools=pools)


def _pool_villages(*, pool_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        AidPool.villages.through.objects.filter(
            aidpool_id__in=pool_ids, village__is_key_village=True
        )
        .order_by("village__name")
        .values_list("aidpool_id", "village__name")
    )
    for pool_id, name in rows:
        names[pool_id].append(name)
    return names


def _distributions(*, accruals: list[LineAccrual]) -> dict[tuple[int, int], PoolDistribution]:
    wanted = {(a.pool_id, a.distributed_in_id) for a in accruals if a.distributed_in_id}
    if not wanted:
        return {}
    rows = PoolDistribution.objects.filter(
        pool_id__in={pool for pool, _period in wanted},
        period_id__in={period for _pool, period in wanted},
    )
    return {(d.pool_id, d.period_id): d for d in rows if (d.pool_id, d.period_id) in wanted}


def _paid_on(*, distributions: list[PoolDistribution]) -> dict[int, datetime.date]:
    """Per distribution, the day its last household was paid, if all were.

    A household batch pays each payable's whole balance as it stood when the
    batch was drafted, so a distribution is paid to a household by the first
    paid row of a batch drafted after the distribution. One query, answered
    by the database per credited household (a close credits hundreds): the
    distribution's time is its transaction's, as the close books both at once.
    """
    if not distributions:
        return {}
    first_paid = (
        PayoutRow.objects.filter(
            status=PayoutRow.Status.PAID,
            account_id=OuterRef("account_id"),
            batch__created_at__gte=OuterRef("transaction__created_at"),
        )
        .order_by("settled_at")
        .values("settled_at")[:1]
    )
    rows = (
        Entry.objects.filter(
            transaction_id__in=[d.transaction_id for d in distributions],
            account__owner_type=Account.OwnerType.HOUSEHOLD,
        )
        .annotate(first_paid=Subquery(first_paid))
        .values("transaction_id")
        .annotate(unpaid=Count("pk", filter=Q(first_paid__isnull=True)), last=Max("first_paid"))
        .order_by()
    )
    settled = {row["transaction_id"]: row["last"] for row in rows if not row["unpaid"]}
    return {
        d.pk: timezone.localtime(settled[d.transaction_id]).date()
        for d in distributions
        if d.transaction_id in settled
    }


# The township's totals -----------------------------------------------------------


@dataclass(frozen=True)
class TownshipImpact:
    accrued_fen: int
    distributed_fen: int
    village_count: int
    household_count: int


def township_impact() -> TownshipImpact:
    """Aid accrued (net of reversals) and distributed so far, from the ledger's
    daily totals, and how many key villages and households the distributions
    reached: two queries, over days rather than entries, however long the ledger."""
    pool_days = DailyTotal.objects.filter(account__owner_type=Account.OwnerType.POOL)
    # Pool accounts are liabilities: accruals credit them (negative amounts),
    # reversals and distributions debit them.
    totals = pool_days.aggregate(
        accrued=Sum(
            "amount_fen",
            filter=Q(kind__in=[Transaction.Kind.ACCRUAL, Transaction.Kind.REVERSAL]),
        ),
        distributed=Sum("amount_fen", filter=Q(kind=Transaction.Kind.DISTRIBUTION)),
    )
    reached = Household.objects.filter(
        pk__in=DailyTotal.objects.filter(
            kind=Transaction.Kind.DISTRIBUTION,
            account__owner_type=Account.OwnerType.HOUSEHOLD,
        ).values("account__owner_id")
    ).aggregate(
        households=Count("pk"),
        # 惠及重点村: a household a pool names may live in a village that is not a key one.
        villages=Count("village", distinct=True, filter=Q(village__is_key_village=True)),
    )
    return TownshipImpact(
        accrued_fen=-(totals["accrued"] or 0),
        distributed_fen=totals["distributed"] or 0,
        village_count=reached["villages"],
        household_count=reached["households"],
    )
