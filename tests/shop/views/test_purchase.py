"""Bad input on the purchase pages: a clear message or 404, and nothing changes."""

import pytest
from django.utils import timezone

from shop.catalogue.models import ProductVariant
from shop.orders.models import Cart, CartLine, Order
from tests.factories import UserFactory
from tests.shop.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "最多购买"),
        ("0", "有效的数量"),
        ("100000", "最多购买"),
        ("abc", "有效的数量"),
        ("", "有效的数量"),
    ],
)
def test_bad_quantities_are_refused(client, two_producers, quantity, message):
    tomato, _ = two_producers
    response = client.post("/cart/add/", {"variant": tomato.pk, "quantity": quantity}, follow=True)
    assert any(message in m for m in messages_of(response))
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("variant", ["999999", "abc", "", "-1"])
def test_unknown_variants_are_refused(client, variant):
    response = client.post("/cart/add/", {"variant": variant, "quantity": 1}, follow=True)
    assert response.status_code == 200
    assert any("找不到" in m for m in messages_of(response))
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("variant", ["999999", "abc", "", "-1", "0", str(2**63), "1" + "0" * 30])
def test_changing_a_line_the_cart_does_not_hold_is_refused(client, two_producers, variant):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    response = client.post("/cart/update/", {"variant": variant, "quantity": 0}, follow=True)
    assert response.status_code == 200
    assert any("找不到" in m or "没有这件商品" in m for m in messages_of(response))
    assert CartLine.objects.get().quantity == 1


def test_more_than_the_stock_is_refused_with_what_is_left(client, two_producers):
    _, bag = two_producers
    response = client.post("/cart/add/", {"variant": bag.pk, "quantity": 6}, follow=True)
    assert any("仅剩 5 件" in m for m in messages_of(response))


def test_a_tampered_price_in_the_form_is_ignored(client, two_producers):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1, "price_fen": 1})
    client.post("/checkout/", {**ADDRESS, "price_fen": "1", "total_fen": "1", "subtotal_fen": "1"})
    order = Order.objects.get()
    assert order.subtotal_fen == 3980


@pytest.mark.parametrize("mobile", ["1381234567", "23812345678", "138123456789", "电话", ""])
def test_an_invalid_mobile_number_is_refused_and_the_form_keeps_what_was_typed(
    client, two_producers, mobile
):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    response = client.post("/checkout/", {**ADDRESS, "mobile": mobile})
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert "示例路1号" in response.text
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 10


@pytest.mark.parametrize("mobile", ["138 1234 5678", "+86 13812345678", "138-1234-5678"])
def test_mobile_numbers_are_accepted_as_people_type_them(client, two_producers, mobile):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    client.post("/checkout/", {**ADDRESS, "mobile": mobile})
    assert Order.objects.get().mobile == "13812345678"


def test_stock_running_out_between_cart_and_checkout_is_explained(client, two_producers):
    _, bag = two_producers
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 3})
    ProductVariant.objects.filter(pk=bag.pk).update(stock=1)

    response = client.post("/checkout/", ADDRESS)

    assert response.status_code == 200
    assert "仅剩 1 件" in " ".join(response.context["problems"])
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=bag.pk).stock == 1


def test_another_buyers_order_is_404(client, two_producers):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    client.post("/checkout/", ADDRESS)
    order = Order.objects.get()
    payment = order.payments.get()

    stranger = client.__class__()
    assert stranger.get(f"/orders/{order.number}/").status_code == 404
    assert stranger.post(f"/orders/{order.number}/pay/").status_code == 404
    assert (
        stranger.post(f"/payments/dummy/{payment.pk}/", {"outcome": "succeed"}).status_code == 404
    )
    assert stranger.get("/orders/NOSUCHORDER/").status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_a_signed_in_buyers_order_is_not_visible_to_another_account(client, two_producers):
    tomato, _ = two_producers
    owner = UserFactory()
    client.force_login(owner)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    client.post("/checkout/", ADDRESS)
    order = Order.objects.get(user=owner)

    other = client.__class__()
    other.force_login(UserFactory())
    assert other.get(f"/orders/{order.number}/").status_code == 404
    assert client.get(f"/orders/{order.number}/").status_code == 200


def test_guest_cart_merges_into_the_account_on_sign_in(client, two_producers):
    tomato, bag = two_producers
    user = UserFactory()
    client.force_login(user)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    client.logout()
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})

    client.post(
        "/accounts/login/",
        {"login": user.email, "password": "correct horse battery staple"},
        REMOTE_ADDR="127.0.0.1",
    )

    cart = Cart.objects.get(user=user)
    assert {line.variant_id: line.quantity for line in cart.lines.all()} == {
        tomato.pk: 3,
        bag.pk: 1,
    }
    assert Cart.objects.count() == 1


def test_another_buyers_address_is_404(client):
    from shop.orders.models import Address

    owner, other = UserFactory(), UserFactory()
    address = Address.objects.create(
        user=owner, **{k: v for k, v in ADDRESS.items() if k != "email"}
    )
    client.force_login(other)
    assert client.get(f"/account/addresses/{address.pk}/").status_code == 404
    assert client.post(f"/account/addresses/{address.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=address.pk).exists()


def test_a_unit_member_orders_in_the_units_name_and_pays_by_bank_transfer(client, two_producers):
    from shop.institutions.models import UnitMembership
    from tests.shop.factories import UnitMembershipFactory

    tomato, _ = two_producers
    membership = UnitMembershipFactory(unit__name="临清市总工会", role=UnitMembership.Role.MEMBER)
    client.force_login(membership.user)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 10})
    page = client.get("/checkout/")
    assert "为「临清市总工会」采购" in page.content.decode()

    response = client.post(
        "/checkout/", {**ADDRESS, "buy_for": str(membership.unit.pk), "pay_by": "bank_transfer"}
    )

    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/"
    assert (order.gateway, order.channel, order.invoice_title) == (
        "offline",
        "offline",
        "临清市总工会",
    )
    assert (order.buying_unit, order.budget_year) == (
        membership.unit,
        timezone.localdate().year,
    )
    assert (order.expires_at - order.created_at).days >= 6


def test_a_unit_member_may_still_buy_for_themselves_online(client, two_producers):
    from tests.shop.factories import UnitMembershipFactory

    tomato, _ = two_producers
    membership = UnitMembershipFactory()
    client.force_login(membership.user)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    client.post("/checkout/", {**ADDRESS, "buy_for": "", "pay_by": "online"})

    order = Order.objects.get()
    assert (order.buying_unit, order.budget_year, order.channel) == (None, None, "online")


def test_bank_transfer_for_oneself_is_refused(client, two_producers):
    from tests.shop.factories import UnitMembershipFactory

    tomato, _ = two_producers
    membership = UnitMembershipFactory()
    client.force_login(membership.user)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    response = client.post("/checkout/", {**ADDRESS, "buy_for": "", "pay_by": "bank_transfer"})

    assert "对公银行转账仅用于单位采购" in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.parametrize("which", ["other_unit", "inactive"])
def test_ordering_for_a_unit_one_may_not_is_refused(client, two_producers, which):
    from tests.shop.factories import BuyingUnitFactory, UnitMembershipFactory

    tomato, _ = two_producers
    membership = UnitMembershipFactory()
    client.force_login(membership.user)
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    if which == "other_unit":
        target = BuyingUnitFactory()
    else:
        target = membership.unit
        target.is_active = False
        target.save()
    stock = ProductVariant.objects.get(pk=tomato.pk).stock

    response = client.post("/checkout/", {**ADDRESS, "buy_for": str(target.pk)})

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert ProductVariant.objects.get(pk=tomato.pk).stock == stock


def test_a_guest_checks_out_with_a_mobile_number_and_no_e_mail(client, two_producers):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    token = client.get("/checkout/").context["checkout_token"]

    response = client.post("/checkout/", {**ADDRESS, "email": "", "checkout_token": token})

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.email, order.mobile) == ("", ADDRESS["mobile"])


def test_the_checkout_mobile_field_opens_the_phone_keypad(client, two_producers):
    tomato, _ = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    page = client.get("/checkout/").content.decode()

    assert 'type="tel"' in page and 'inputmode="numeric"' in page and 'autocomplete="tel"' in page
