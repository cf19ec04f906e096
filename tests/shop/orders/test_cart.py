"""The cart service: a buyer changes their own cart, never another's."""

import pytest

from shop.orders import cart as carts
from shop.orders.models import Cart, CartLine

pytestmark = pytest.mark.django_db


def test_changing_a_quantity_touches_only_this_carts_line(two_producers):
    tomato, _bag = two_producers
    mine, theirs = Cart.objects.create(), Cart.objects.create()
    carts.add_item(cart=theirs, variant_id=tomato.pk, quantity=2)
    carts.add_item(cart=mine, variant_id=tomato.pk, quantity=1)

    carts.set_quantity(cart=mine, variant_id=tomato.pk, quantity=3)

    assert CartLine.objects.get(cart=mine).quantity == 3
    assert CartLine.objects.get(cart=theirs).quantity == 2
