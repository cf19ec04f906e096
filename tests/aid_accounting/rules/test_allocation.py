"""How aid is computed: rounding, fixed parts, caps, rule lookup (rules/allocation.py)."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.households.models import Household
from aid_accounting.rules.allocation import (
    Sale,
    aid_for,
    aid_reversed_after,
    rule_for,
    rules_governing,
    split_among_households,
)
from aid_accounting.rules.models import AidPool, AidRule
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from tests.township import add_households, sell

pytestmark = pytest.mark.django_db


def rule(share_bp: int = 0, fixed: int = 0) -> AidRule:
    return AidRule(share_bp=share_bp, fixed_fen_per_unit=fixed)


@pytest.mark.parametrize(
    ("net_fen", "expected"),
    [(3980, 995), (3981, 995), (3982, 996), (3983, 996), (2, 1), (1, 0)],
)
def test_the_share_rounds_half_up_to_the_fen(net_fen, expected):
    assert aid_for(net_fen=net_fen, quantity=1, rule=rule(2500)) == expected


def test_a_fixed_amount_per_unit_adds_to_the_share():
    assert aid_for(net_fen=3000, quantity=3, rule=rule(1000, fixed=50)) == 300 + 150


def test_aid_is_capped_at_the_line_net():
    assert aid_for(net_fen=3980, quantity=1, rule=rule(5000, fixed=5000)) == 3980


@pytest.mark.parametrize(("share_bp", "fixed"), [(10_000, 0), (0, 5)])
def test_a_line_of_one_fen_owes_its_one_fen_under_a_rule_that_takes_it_all(share_bp, fixed):
    assert aid_for(net_fen=1, quantity=1, rule=rule(share_bp, fixed=fixed)) == 1


def test_a_line_of_nothing_owes_nothing_whatever_the_fixed_part():
    assert aid_for(net_fen=0, quantity=3, rule=rule(2500, fixed=50)) == 0


def test_no_rule_means_no_aid():
    assert aid_for(net_fen=3980, quantity=1, rule=None) == 0


def test_reversed_aid_grows_in_proportion_and_ends_exactly_at_the_aid():
    steps = [aid_reversed_after(aid_fen=1000, line_total_fen=3, refunded_fen=r) for r in range(4)]

    assert steps == [0, 333, 667, 1000]


@pytest.mark.parametrize("refunded", [-1, 4])
def test_a_refund_outside_the_line_is_refused_naming_the_amounts(refunded):
    with pytest.raises(ValueError, match=rf"^refunded {refunded} fen of a line of 3 fen$"):
        aid_reversed_after(aid_fen=1000, line_total_fen=3, refunded_fen=refunded)


def test_another_producers_rule_never_governs(tomato, bag, tomato_rule):
    assert (
        rule_for(producer_id=bag.product.producer_id, product_id=None, on=datetime.date.today())
        is None
    )
    assert rules_governing(
        sales=[Sale(bag.product.producer_id, bag.product_id, datetime.date.today())]
    ) == [None]


def test_sales_looked_up_together_each_get_the_version_of_their_own_day(tomato, tomato_rule):
    """One query for days on both sides of a version change: the earlier day
    must not see the version that starts after it."""
    second = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        pool=tomato_rule.pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 4, 1),
    )
    producer_id, product_id = tomato.product.producer_id, tomato.product_id

    assert rules_governing(
        sales=[
            Sale(producer_id, product_id, datetime.date(2026, 3, 31)),
            Sale(producer_id, product_id, datetime.date(2026, 4, 1)),
            Sale(producer_id, product_id, tomato_rule.valid_from - datetime.timedelta(days=1)),
        ]
    ) == [tomato_rule, second, None]
    assert rules_governing(sales=[]) == []


def test_a_product_rule_overrides_the_producer_rule(tomato, aid_pool):
    producer, product = tomato.product.producer, tomato.product
    set_rule(
        actor=SYSTEM,
        producer=producer,
        pool=aid_pool,
        share_bp=2500,
        valid_from=datetime.date(2026, 1, 1),
    )
    product_rule = set_rule(
        actor=SYSTEM,
        producer=producer,
        product=product,
        pool=aid_pool,
        share_bp=4000,
        valid_from=datetime.date(2026, 6, 1),
    )

    assert rule_for(
        producer_id=producer.pk, product_id=product.pk, on=datetime.date(2026, 6, 1)
    ) == (product_rule)


def test_before_the_product_rule_starts_the_producer_rule_applies(tomato, aid_pool):
    producer, product = tomato.product.producer, tomato.product
    producer_rule = set_rule(
        actor=SYSTEM,
        producer=producer,
        pool=aid_pool,
        share_bp=2500,
        valid_from=datetime.date(2026, 1, 1),
    )
    set_rule(
        actor=SYSTEM,
        producer=producer,
        product=product,
        pool=aid_pool,
        share_bp=4000,
        valid_from=datetime.date(2026, 6, 1),
    )

    assert (
        rule_for(producer_id=producer.pk, product_id=product.pk, on=datetime.date(2026, 5, 31))
        == producer_rule
    )


def test_a_sale_before_any_rule_has_none(tomato, tomato_rule):
    day = tomato_rule.valid_from - datetime.timedelta(days=1)

    assert rule_for(producer_id=tomato_rule.producer_id, product_id=None, on=day) is None


def test_a_new_version_never_changes_past_sales(tomato, tomato_rule):
    order = sell([(tomato, 2)], paid_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 12)))

    set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        pool=tomato_rule.pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 4, 1),
    )
    later = sell([(tomato, 2)], paid_at=timezone.make_aware(datetime.datetime(2026, 4, 2, 12)))

    assert LineAccrual.objects.get(line__order=order).aid_fen == 1990
    assert LineAccrual.objects.get(line__order=order).rule == tomato_rule
    assert LineAccrual.objects.get(line__order=later).aid_fen == 3980


def test_a_sale_on_the_last_day_of_a_superseded_version_uses_that_version(tomato, tomato_rule):
    """Version 1 ends on 31 March (inclusive) when version 2 starts on 1 April:
    a sale late on 31 March is still version 1's."""
    second = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        pool=tomato_rule.pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 4, 1),
    )
    last_evening = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 30))

    order = sell([(tomato, 2)], paid_at=last_evening)

    tomato_rule.refresh_from_db()
    assert tomato_rule.valid_to == datetime.date(2026, 3, 31)
    accrual = LineAccrual.objects.get(line__order=order)
    assert (accrual.rule, accrual.aid_fen) == (tomato_rule, 1990)
    assert (
        rule_for(
            producer_id=tomato_rule.producer_id, product_id=None, on=datetime.date(2026, 3, 31)
        )
        == tomato_rule
    )
    assert (
        rule_for(producer_id=tomato_rule.producer_id, product_id=None, on=datetime.date(2026, 4, 1))
        == second
    )


def test_equal_households_take_turns_at_the_spare_fen_over_a_year(key_village):
    households = [
        Household(pk=n, registration_number=f"LGZ-J-{n}", village=key_village) for n in (1, 2, 3)
    ]
    spare = Counter()
    for month in range(1, 13):
        shares = split_among_households(
            amount_fen=1990,
            households=households,
            weighting=AidPool.Weighting.EQUAL,
            period=f"2026-{month:02d}",
        )
        assert sum(shares.values()) == 1990
        spare.update(h.registration_number for h, share in shares.items() if share == 664)
    # sha256("2026-MM:LGZ-J-n") decides: 2, 3, 2, 3, 1, 2, 1, 2, 2, 3, 3, 2.
    assert spare == {"LGZ-J-1": 2, "LGZ-J-2": 6, "LGZ-J-3": 4}


def test_a_pool_weighted_by_members_splits_in_proportion_to_them(key_village):
    households = add_households(key_village, prefix="LGZ-W", members=(1, 2, 4))

    shares = split_among_households(
        amount_fen=700,
        households=households,
        weighting=AidPool.Weighting.MEMBERS,
        period="2026-10",
    )

    assert [shares[household] for household in households] == [100, 200, 400]
