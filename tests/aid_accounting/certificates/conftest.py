"""A canteen that buys for the township's budget year 2026: orders in October
(delivered, closed in November, the households paid), an order in November
(not closed yet), an order charged to 2025 and private orders (one of them for
another village's pool) that are not its 2026 purchases."""

from dataclasses import dataclass

import pytest

from aid_accounting.payouts.models import PayoutBatch
from shop.institutions.models import BuyingUnit
from shop.orders.models import Order
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import UserFactory
from tests.producers.factories import VillageFactory
from tests.shop.factories import BuyingUnitFactory, UnitMembershipFactory
from tests.township import (
    Clock,
    add_households,
    add_pool,
    add_rule,
    add_variant,
    at,
    close_and_publish,
    deliver,
    pay_out,
    place,
    sell,
)


def sell_for_unit(items, *, unit: BuyingUnit, year: int, user, paid_at) -> Order:
    """An order of ``items`` placed by ``user`` in ``unit``'s name, charged to
    ``year``, and paid on the dummy gateway at ``paid_at``."""
    order = place(items, user=user, gateway="dummy")
    # Checkout in a unit's name is helper B's part of issue 18: the fields are set here.
    Order.objects.filter(pk=order.pk).update(buying_unit=unit, budget_year=year)
    payment, _start = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)
    order.refresh_from_db()
    return order


@dataclass
class Canteen:
    unit: BuyingUnit
    member: object
    october: Order  # 3 boxes of tomatoes and 2 bags, closed
    october_late: Order  # 1 box, closed
    november: Order  # 2 boxes, not delivered, not closed


@pytest.fixture
def canteen(
    clock: Clock, tomato, bag, tomato_rule, beneficiaries, staff, aid_officer, second_officer
) -> Canteen:
    unit = BuyingUnitFactory(name="刘垓子镇中心学校食堂")
    member = UserFactory(username="canteen")
    UnitMembershipFactory(unit=unit, user=member)
    october = sell_for_unit(
        [(tomato, 3), (bag, 2)], unit=unit, year=2026, user=member, paid_at=clock.set("2026-10-10")
    )
    october_late = sell_for_unit(
        [(tomato, 1)], unit=unit, year=2026, user=member, paid_at=clock.set("2026-10-11")
    )
    # Not the canteen's 2026 purchases: last year's budget, and a private order;
    # and eggs for another village's two households, bought by someone else.
    sell_for_unit([(tomato, 4)], unit=unit, year=2025, user=member, paid_at=at("2026-10-11"))
    sell([(tomato, 5)], paid_at=at("2026-10-11"))
    kongzhuang = VillageFactory(name="孔庄村", code="kongzhuang")
    add_households(kongzhuang, prefix="LGZ-K", members=(2, 3))
    eggs = add_variant("土鸡蛋", name="30枚", price_fen=4500, stock=100)
    add_rule(eggs.product.producer, add_pool(kongzhuang, name="孔庄村帮扶资金池"))
    sell([(eggs, 2)], paid_at=at("2026-10-11"))
    clock.set("2026-10-12")
    for order in Order.objects.filter(status=Order.Status.PAID):
        deliver(order, at=at("2026-10-12"))
    close_and_publish(
        "2026-10", now=clock.set("2026-11-02"), generator=second_officer, publisher=aid_officer
    )
    november = sell_for_unit(
        [(tomato, 2)], unit=unit, year=2026, user=member, paid_at=clock.set("2026-11-05")
    )
    clock.set("2026-11-10")
    pay_out(PayoutBatch.Kind.HOUSEHOLD, drafter=aid_officer, approver=second_officer)
    clock.set("2026-12-01")
    return Canteen(
        unit=unit, member=member, october=october, october_late=october_late, november=november
    )
