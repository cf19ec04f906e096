"""Setting aid rules: versions, and the bad input they refuse (aid_accounting.rules.versions)."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from aid_accounting.exceptions import RuleError
from aid_accounting.rules.models import AidRule
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from tests.shop.factories import ProductPageFactory
from tests.township import at, sell

pytestmark = pytest.mark.django_db

JAN, APR = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)


def test_a_new_version_closes_the_previous_one(tomato, tomato_rule):
    second = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        pool=tomato_rule.pool,
        share_bp=3000,
        valid_from=APR,
    )

    tomato_rule.refresh_from_db()
    assert tomato_rule.valid_to == datetime.date(2026, 3, 31)
    assert (second.version, second.supersedes, second.valid_to) == (2, tomato_rule, None)


def test_a_rule_over_100_percent_is_refused(tomato, aid_pool):
    with pytest.raises(RuleError, match="0 到 100%"):
        set_rule(
            actor=SYSTEM,
            producer=tomato.product.producer,
            pool=aid_pool,
            share_bp=10_001,
            valid_from=JAN,
        )

    assert not AidRule.objects.exists()


def test_the_database_refuses_a_rule_over_100_percent_too(tomato, aid_pool):
    with pytest.raises(IntegrityError):
        AidRule.objects.create(
            producer=tomato.product.producer,
            pool=aid_pool,
            share_bp=10_001,
            valid_from=JAN,
            version=1,
        )


def test_a_negative_fixed_amount_is_refused(tomato, aid_pool):
    with pytest.raises(RuleError, match="不能为负数"):
        set_rule(
            actor=SYSTEM,
            producer=tomato.product.producer,
            pool=aid_pool,
            share_bp=0,
            fixed_fen_per_unit=-1,
            valid_from=JAN,
        )

    assert not AidRule.objects.exists()


def test_an_overlapping_version_is_refused(tomato, tomato_rule):
    with pytest.raises(RuleError, match="重叠"):
        set_rule(
            actor=SYSTEM,
            producer=tomato_rule.producer,
            pool=tomato_rule.pool,
            share_bp=3000,
            valid_from=JAN,
        )

    tomato_rule.refresh_from_db()
    assert (AidRule.objects.count(), tomato_rule.valid_to) == (1, None)


def test_a_version_that_would_rewrite_accrued_sales_is_refused(tomato, tomato_rule):
    sell([(tomato, 1)], paid_at=timezone.make_aware(datetime.datetime(2026, 4, 5, 12)))

    with pytest.raises(RuleError, match="2026-04-05"):
        set_rule(
            actor=SYSTEM,
            producer=tomato_rule.producer,
            pool=tomato_rule.pool,
            share_bp=3000,
            valid_from=APR,
        )

    tomato_rule.refresh_from_db()
    assert (AidRule.objects.count(), tomato_rule.valid_to) == (1, None)


def test_valid_to_before_valid_from_is_refused(tomato, aid_pool):
    with pytest.raises(RuleError, match="失效日期"):
        set_rule(
            actor=SYSTEM,
            producer=tomato.product.producer,
            pool=aid_pool,
            share_bp=2500,
            valid_from=APR,
            valid_to=JAN,
        )


def test_a_product_of_another_producer_is_refused(tomato, bag, aid_pool):
    with pytest.raises(RuleError, match="不属于"):
        set_rule(
            actor=SYSTEM,
            producer=tomato.product.producer,
            product=bag.product,
            pool=aid_pool,
            share_bp=2500,
            valid_from=JAN,
        )


def test_product_and_producer_rules_are_versioned_separately(tomato, tomato_rule):
    product_rule = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        product=tomato.product,
        pool=tomato_rule.pool,
        share_bp=4000,
        valid_from=JAN,
    )
    other = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        product=ProductPageFactory(parent=tomato.product.get_parent()),
        pool=tomato_rule.pool,
        share_bp=1000,
        valid_from=JAN,
    )

    assert (tomato_rule.version, product_rule.version, other.version) == (1, 1, 1)


def test_a_product_rule_starting_today_is_refused_once_the_product_sold_today(
    clock, tomato, tomato_rule
):
    """The day's earlier sale went to the producer's pool under its rule; a
    product rule from today would say it should not have."""
    clock.set("2026-11-10")
    sell([(tomato, 1)], paid_at=at("2026-11-10", 9))

    with pytest.raises(RuleError, match=r"2026-11-10 已有销售.*最早从 2026-11-11 起生效"):
        set_rule(
            actor=SYSTEM,
            producer=tomato_rule.producer,
            product=tomato.product,
            pool=tomato_rule.pool,
            share_bp=4000,
            valid_from=datetime.date(2026, 11, 10),
        )

    assert AidRule.objects.filter(product=tomato.product).count() == 0
    tomato_product_from_tomorrow = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        product=tomato.product,
        pool=tomato_rule.pool,
        share_bp=4000,
        valid_from=datetime.date(2026, 11, 11),
    )
    assert tomato_product_from_tomorrow.version == 1


def test_a_product_rule_from_today_is_accepted_when_only_other_products_sold(
    clock, tomato, tomato_rule
):
    cucumber = ProductPageFactory(title="水果黄瓜", parent=tomato.product.get_parent())
    clock.set("2026-11-10")
    sell([(tomato, 1)], paid_at=at("2026-11-10", 9))

    rule = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        product=cucumber,
        pool=tomato_rule.pool,
        share_bp=4000,
        valid_from=datetime.date(2026, 11, 10),
    )

    assert rule.valid_from == datetime.date(2026, 11, 10)


def test_a_first_producer_rule_is_refused_over_days_already_sold_without_one(tomato, aid_pool):
    sell([(tomato, 1)], paid_at=at("2026-04-05"))

    with pytest.raises(RuleError, match="2026-04-05"):
        set_rule(
            actor=SYSTEM,
            producer=tomato.product.producer,
            pool=aid_pool,
            share_bp=2500,
            valid_from=APR,
        )

    assert not AidRule.objects.exists()


def test_a_producer_rule_leaves_sales_under_a_product_rule_alone(tomato, tomato_rule):
    """A sale governed by its product's rule is untouched by a new producer version."""
    set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        product=tomato.product,
        pool=tomato_rule.pool,
        share_bp=4000,
        valid_from=JAN,
    )
    sell([(tomato, 1)], paid_at=at("2026-04-05"))

    second = set_rule(
        actor=SYSTEM,
        producer=tomato_rule.producer,
        pool=tomato_rule.pool,
        share_bp=3000,
        valid_from=APR,
    )

    assert second.version == 2
