"""The one rule for "a sale can no longer come back" (shop/orders/returns.py),
at its edges: the end instant, refunds in full, completion at ``now``."""

from datetime import UTC, datetime, timedelta

import pytest

from shop.orders import returns

DELIVERED = datetime(2026, 10, 1, 12, tzinfo=UTC)
END = DELIVERED + timedelta(days=7)


def can_come_back(**overrides) -> bool:
    values = {
        "delivered_at": DELIVERED,
        "return_window_days": 7,
        "completed_at": None,
        "refunded_fen": 0,
        "total_fen": 1000,
        "now": END - timedelta(microseconds=1),
    }
    return returns.line_can_come_back(**{**values, **overrides})


def test_the_window_ends_its_days_after_delivery():
    assert returns.return_window_end(delivered_at=DELIVERED, return_window_days=7) == END
    assert returns.return_window_end(delivered_at=DELIVERED, return_window_days=0) == DELIVERED


def test_nothing_undelivered_has_a_window_end():
    assert returns.return_window_end(delivered_at=None, return_window_days=7) is None
    assert can_come_back(delivered_at=None, now=END + timedelta(days=365))


def test_a_line_can_come_back_until_the_end_instant_itself():
    assert can_come_back(now=END - timedelta(microseconds=1))
    assert not can_come_back(now=END)
    assert not can_come_back(now=END + timedelta(days=1))


def test_a_line_refunded_in_full_cannot_come_back_inside_its_window():
    assert not can_come_back(refunded_fen=1000)
    assert can_come_back(refunded_fen=999)


def test_a_completed_order_line_cannot_come_back_from_the_instant_of_completion():
    completed = DELIVERED + timedelta(days=1)
    assert not can_come_back(completed_at=completed, now=completed)
    assert not can_come_back(completed_at=completed, now=completed + timedelta(seconds=1))
    # Seen from before its completion, the window decides.
    assert can_come_back(completed_at=completed, now=completed - timedelta(seconds=1))


@pytest.mark.django_db
def test_an_order_is_over_when_its_longest_line_window_is(two_producers, address):
    from shop.orders import lifecycle
    from shop.orders.checkout import place_order

    tomato, bag = two_producers
    order = place_order(
        items=[(tomato.pk, 1), (bag.pk, 1)], email="a@example.com", address=address, gateway="dummy"
    )
    lifecycle.mark_paid(order_id=order.pk, amount_fen=order.total_fen)
    for shipment in order.shipments.all():
        lifecycle.ship(shipment_id=shipment.pk, carrier="顺丰", tracking_number="SF1")
        lifecycle.deliver(shipment_id=shipment.pk)
    # A craft's seven-day window beside the vegetables' two days.
    order.lines.filter(variant=bag).update(return_window_days=7)
    order.lines.filter(variant=tomato).update(return_window_days=2)
    order.refresh_from_db()
    longest = 7

    end = returns.order_return_window_end(order)
    assert end == order.delivered_at + timedelta(days=longest)
    assert returns.order_can_come_back(order, now=end - timedelta(microseconds=1))
    assert not returns.order_can_come_back(order, now=end)
