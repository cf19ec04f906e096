"""No oversell under concurrency: many buyers racing for the last units (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from shop.catalogue.models import ProductVariant
from shop.orders.checkout import CheckoutError, place_order
from shop.orders.models import Order
from tests.shop.factories import ProductVariantFactory
from tests.township import ADDRESS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BUYERS = 50
UNITS = 20


def test_fifty_buyers_for_the_last_twenty_units_sell_exactly_twenty():
    assert connection.vendor == "postgresql"
    variant = ProductVariantFactory(stock=UNITS)
    start = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(index: int) -> None:
        try:
            start.wait()
            try:
                place_order(
                    items=[(variant.pk, 1)],
                    email=f"buyer{index}@example.com",
                    address=ADDRESS,
                    gateway="dummy",
                )
                outcome = "bought"
            except CheckoutError as error:
                outcome = " ".join(error.messages)
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("bought") == UNITS
    losers = [o for o in outcomes if o != "bought"]
    assert len(losers) == BUYERS - UNITS
    assert all("已售罄" in message for message in losers)
    assert ProductVariant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == UNITS
    assert sum(o.lines.get().quantity for o in Order.objects.all()) == UNITS
