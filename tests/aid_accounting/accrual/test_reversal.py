"""Refunds reverse the accrual in proportion, exactly on the last one (DESIGN §7 flow 2)."""

import datetime

import pytest
from django.utils import timezone

from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.ledger.posting import balance, clearing_account, pool_account, producer_account
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from shop import events
from shop.orders.models import OrderLine
from tests.township import refund, sell

pytestmark = pytest.mark.django_db

PAID_AT = timezone.make_aware(datetime.datetime(2026, 10, 10, 9, 30))


def test_a_partial_refund_reverses_its_proportion_of_the_aid(tomato, tomato_rule, staff):
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()

    refund(order, staff=staff, line=line, quantity=1)

    accrued = LineAccrual.objects.get(line=line)
    # aid 2985 on 11940; a third refunded reverses round(995.0) = 995
    assert accrued.aid_fen == 2985
    assert accrued.reversed_fen == 995
    assert balance(pool_account(tomato_rule.pool)) == 1990


def test_the_last_refund_reverses_exactly_what_is_left(tomato, aid_pool, staff):
    # 33.33% of ¥119.40 is 3980 fen, which thirds do not divide: the reversed
    # total after each refund is rounded (1327, 2653), the last takes the rest.
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=aid_pool,
        share_bp=3333,
        valid_from=datetime.date(2026, 1, 1),
    )
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()
    accrued = LineAccrual.objects.get(line=line)

    for _ in range(3):
        refund(order, staff=staff, line=line, quantity=1)

    accrued.refresh_from_db()
    reversals = list(AidReversal.objects.filter(accrual=accrued).order_by("pk"))
    assert [r.aid_fen for r in reversals] == [1327, 1326, 1327]
    assert sum(r.aid_fen for r in reversals) == accrued.aid_fen == 3980
    assert accrued.reversed_fen == accrued.aid_fen
    assert balance(pool_account(aid_pool)) == 0


def test_a_whole_order_refund_gives_clearing_back_everything_including_shipping(
    tomato, bag, tomato_rule, staff
):
    order = sell([(tomato, 1), (bag, 2)], paid_at=PAID_AT)

    refund(order, staff=staff)

    assert balance(clearing_account()) == 0
    assert balance(pool_account(tomato_rule.pool)) == 0
    assert balance(producer_account(tomato.product.producer)) == 0
    assert balance(producer_account(bag.product.producer)) == 0


def test_a_replayed_refund_event_reverses_nothing_twice(tomato, tomato_rule, staff):
    order = sell([(tomato, 3)], paid_at=PAID_AT)
    line = order.lines.get()
    done = refund(order, staff=staff, line=line, quantity=1)

    events.line_refunded.send(
        sender=OrderLine, refund=done, line=line, quantity=1, amount_fen=done.amount_fen
    )

    assert AidReversal.objects.count() == 1
    assert balance(pool_account(tomato_rule.pool)) == 1990
