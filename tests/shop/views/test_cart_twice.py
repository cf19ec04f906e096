"""A double click on 加入购物车: the cart adds once or twice, in turn, and never
fails, on PostgreSQL and on SQLite; a signed-in buyer's first clicks make one cart."""

import re

import pytest
from django.test import Client

from shop.catalogue.models import ProductVariant
from shop.orders.models import Cart, CartLine
from tests.factories import UserFactory
from tests.shop.orders.racing import DATABASES, RACERS, own_connections, race, same_browser

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_adding_twice_adds_twice(client, two_producers):
    tomato, _bag = two_producers
    for _ in range(2):
        response = client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
        assert response["Location"] == "/cart/"

    assert CartLine.objects.get().quantity == 2
    assert Cart.objects.count() == 1


def test_adding_past_the_stock_the_second_time_keeps_the_first_and_says_why(client, two_producers):
    _tomato, bag = two_producers  # 5 in stock
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 3})
    response = client.post("/cart/add/", {"variant": bag.pk, "quantity": 3}, follow=True)

    assert response.status_code == 200
    assert any("仅剩 5 件" in m for m in messages_of(response))
    assert CartLine.objects.get().quantity == 3


def add_tomato(buyer: Client, tomato) -> list[str]:
    """One click on 加入购物车 in ``buyer``'s browser; the messages the cart page then shows.
    (From the page, not ``response.context``: the test client collects the contexts of
    templates rendered in every thread at once.)"""
    answer = same_browser(buyer).post(
        "/cart/add/", {"variant": tomato.pk, "quantity": 1}, follow=True
    )
    assert answer.redirect_chain == [("/cart/", 302)]
    return re.findall(r'<li class="message [^"]*">([^<]*)</li>', answer.text)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("vendor", DATABASES)
def test_twenty_adds_at_once_to_one_cart_all_count(vendor, tmp_path, two_producers):
    tomato, bag = two_producers
    ProductVariant.objects.filter(pk=tomato.pk).update(stock=50)
    buyer = Client()
    # The session and its cart, and the message read.
    buyer.post("/cart/add/", {"variant": bag.pk, "quantity": 1}, follow=True)

    racers = RACERS[vendor]
    with own_connections(vendor, tmp_path):
        said = race(racers, lambda _: add_tomato(buyer, tomato))

        assert said == [[f"已将“{tomato}”加入购物车。"]] * racers
        assert Cart.objects.get().lines.get(variant=tomato).quantity == racers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("vendor", DATABASES)
def test_twenty_first_adds_of_a_signed_in_buyer_make_one_cart(vendor, tmp_path, two_producers):
    tomato, _bag = two_producers
    racers = RACERS[vendor]
    left = racers // 2
    ProductVariant.objects.filter(pk=tomato.pk).update(stock=left)
    buyer = Client()
    user = UserFactory()
    buyer.force_login(user)

    with own_connections(vendor, tmp_path):
        said = race(racers, lambda _: add_tomato(buyer, tomato))

        cart = Cart.objects.get()
        assert cart.user == user
        # The first half count; the rest are refused, saying what is left.
        assert cart.lines.get().quantity == left
        assert sorted(" ".join(messages) for messages in said) == sorted(
            [f"已将“{tomato}”加入购物车。"] * left + [f"“{tomato}”仅剩 {left} 件。"] * left
        )
