"""A double click on 提交订单并付款, a resubmitted page, a retry after a lost answer:
one checkout places one order and takes its stock once, on PostgreSQL and on SQLite."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from shop.catalogue.models import ProductVariant
from shop.orders.models import Address, CartLine, Order
from shop.payments.models import Payment
from tests.factories import UserFactory
from tests.shop.conftest import ADDRESS
from tests.shop.orders.racing import DATABASES, RACERS, own_connections, race, same_browser

pytestmark = pytest.mark.django_db


def stock(variant) -> int:
    return ProductVariant.objects.get(pk=variant.pk).stock


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def checkout_page(client) -> str:
    """Open the checkout page as a buyer does; its one-time token."""
    page = client.get("/checkout/")
    token = page.context["checkout_token"]
    assert f'name="checkout_token" value="{token}"' in page.text
    return token


def test_a_checkout_submitted_twice_places_one_order_and_both_go_to_its_payment(
    client, two_producers
):
    tomato, bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    token = checkout_page(client)

    first = client.post("/checkout/", {**ADDRESS, "checkout_token": token})
    # The first emptied the cart: the second is sent to that order, not to an empty cart.
    second = client.post("/checkout/", {**ADDRESS, "checkout_token": token})

    order = Order.objects.get()
    assert order.checkout_token == token
    assert (stock(tomato), stock(bag)) == (8, 4)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/payments/dummy/{order.payments.get().pk}/"
    assert not CartLine.objects.exists()
    paying = client.get(second["Location"])
    assert "这个订单已经提交过了，不会重复下单，请继续付款。" in messages_of(paying)


def test_a_retry_after_the_answer_was_lost_lands_on_the_same_order(client, two_producers):
    tomato, _bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    token = checkout_page(client)
    session = Session.objects.get()
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)

    client.post("/checkout/", {**ADDRESS, "checkout_token": token})
    # Lost with the answer: its cookies and the session it saved (the order's number
    # among the guest's orders). The order and its emptied cart were committed.
    client.cookies = cookies
    Session.objects.filter(pk=session.pk).update(session_data=session.session_data)
    retry = client.post("/checkout/", {**ADDRESS, "checkout_token": token})

    order = Order.objects.get()
    assert stock(tomato) == 8
    assert retry["Location"] == f"/payments/dummy/{order.payments.get().pk}/"
    assert client.get(f"/orders/{order.number}/").status_code == 200


def test_the_next_checkout_gets_a_new_token_and_the_old_page_is_refused(client, two_producers):
    tomato, bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    first_token = checkout_page(client)
    assert checkout_page(client) == first_token  # a reload, another tab: the same checkout
    client.post("/checkout/", {**ADDRESS, "checkout_token": first_token})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    second_token = checkout_page(client)
    assert second_token != first_token

    # The first page, resubmitted after the second was opened, is out of date.
    stale = client.post("/checkout/", {**ADDRESS, "checkout_token": first_token})

    assert stale.status_code == 200
    assert "这个结算页面已经过期，请核对订单后重新提交。" in stale.context["problems"]
    assert stale.context["checkout_token"] == second_token
    assert Order.objects.count() == 1
    assert stock(bag) == 5
    placed = client.post("/checkout/", {**ADDRESS, "checkout_token": second_token})
    assert placed.status_code == 302
    assert Order.objects.count() == 2
    assert stock(bag) == 4


def test_another_sessions_token_is_refused(client, two_producers):
    tomato, _bag = two_producers
    other = client.__class__()
    other.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    token = checkout_page(other)
    other.post("/checkout/", {**ADDRESS, "checkout_token": token})
    order = Order.objects.get()
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    response = client.post("/checkout/", {**ADDRESS, "checkout_token": token})

    assert response.status_code == 200
    assert "这个结算页面已经过期，请核对订单后重新提交。" in response.context["problems"]
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert Order.objects.count() == 1


def test_a_failed_checkout_keeps_its_token_and_the_cart(client, two_producers):
    tomato, _bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    token = checkout_page(client)
    ProductVariant.objects.filter(pk=tomato.pk).update(is_active=False)

    refused = client.post("/checkout/", {**ADDRESS, "checkout_token": token})

    assert refused.status_code == 200
    assert refused.context["checkout_token"] == token
    assert CartLine.objects.get().quantity == 2
    assert not Order.objects.exists()
    ProductVariant.objects.filter(pk=tomato.pk).update(is_active=True)
    placed = client.post("/checkout/", {**ADDRESS, "checkout_token": token})
    assert placed.status_code == 302
    assert Order.objects.get().checkout_token == token


def test_a_signed_in_buyers_second_submit_saves_the_address_once(client, two_producers):
    tomato, _bag = two_producers
    client.force_login(UserFactory())
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    token = checkout_page(client)
    form = {**ADDRESS, "save_address": "on", "checkout_token": token}

    client.post("/checkout/", form)
    client.post("/checkout/", form)

    assert Order.objects.count() == 1
    assert Address.objects.count() == 1


def test_an_english_buyer_is_told_in_english(client, two_producers):
    tomato, _bag = two_producers
    client.post("/en/cart/add/", {"variant": tomato.pk, "quantity": 1})
    token = client.get("/en/checkout/").context["checkout_token"]
    form = {**ADDRESS, "checkout_token": token}

    stale = client.post("/en/checkout/", {**ADDRESS, "checkout_token": "out of date"})
    client.post("/en/checkout/", form)
    again = client.post("/en/checkout/", form, follow=True)

    assert "This checkout page is out of date." in stale.text
    assert "This order was already submitted and will not be placed twice." in again.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("vendor", DATABASES)
def test_ten_submits_of_one_checkout_place_one_order(vendor, tmp_path, two_producers):
    tomato, bag = two_producers
    buyer = Client()
    buyer.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    buyer.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    form = {**ADDRESS, "checkout_token": buyer.get("/checkout/").context["checkout_token"]}

    with own_connections(vendor, tmp_path):
        racers = min(10, RACERS[vendor])
        answers = race(racers, lambda _: same_browser(buyer).post("/checkout/", form))

        order = Order.objects.get()
        assert [answer.status_code for answer in answers] == [302] * racers
        assert {answer["Location"] for answer in answers} == {
            f"/payments/dummy/{Payment.objects.get(order=order).pk}/"
        }
        assert ProductVariant.objects.get(pk=tomato.pk).stock == 8
        assert ProductVariant.objects.get(pk=bag.pk).stock == 4
        assert not CartLine.objects.exists()
