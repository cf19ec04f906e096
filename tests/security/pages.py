"""A small shop with something on every page: a product in the cart, a buyer's unpaid
order, a producer member's portal with a shipment to send, and a published notice with
its objection form. The header, CSP and CSRF tests walk through its pages."""

import datetime
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from aid_accounting.notices.publication import generate_notices, publish_notice, review_notice
from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.factories import UserFactory
from tests.shop.factories import ADDRESS_FIELDS
from tests.township import add_member, deliver, sell, unpaid_order, with_password

PASSWORD = "security-test-password-7"
AUDIENCES = ("public", "buyer", "portal")


def user_with_password(**fields):
    return with_password(UserFactory(**fields), PASSWORD)


@dataclass(frozen=True)
class Shop:
    """Pages by who sees them: anyone, a signed-in buyer, a producer member."""

    public: list[str]
    buyer: list[str]
    portal: list[str]
    buyer_user: object
    member_user: object
    variant: object

    def client_for(self, audience: str, **client_options) -> Client:
        """A client of that audience, with the product in its cart."""
        client = Client(**client_options)
        user = {"buyer": self.buyer_user, "portal": self.member_user}.get(audience)
        if user is not None:
            client.force_login(user)
        client.post("/cart/add/", {"variant": self.variant.pk, "quantity": 1})
        return client

    def pages(self) -> list[tuple[str, str]]:
        return [(audience, url) for audience in AUDIENCES for url in getattr(self, audience)]


def build_shop(*, tomato, aid_officer) -> Shop:
    """``tomato`` and ``aid_officer`` as the aid tests' fixtures make them (with the
    tomato's aid rule in place)."""
    product = tomato.product
    producer_page = product.get_parent().specific

    # October sold, delivered and closed, so the notices have rows to publish.
    october = timezone.make_aware(datetime.datetime(2026, 10, 10, 10))
    deliver(sell([(tomato, 2)], paid_at=october), at=october + datetime.timedelta(days=2))
    period = close_period(
        actor=SYSTEM, period="2026-10", now=october + datetime.timedelta(days=23)
    ).period
    notices = [
        publish_notice(notice=review_notice(notice=notice, actor=aid_officer), actor=aid_officer)
        for notice in generate_notices(actor=SYSTEM, period=period)
    ]

    buyer = user_with_password(email="buyer@example.com")
    order, payment = unpaid_order(tomato, user=buyer)
    address = buyer.addresses.create(**ADDRESS_FIELDS)

    member = add_member(product.producer, user_with_password(email="member@example.com"))
    sell([(tomato, 1)])  # paid, so the portal lists a shipment to send

    return Shop(
        public=[
            "/",
            "/search/?q=番茄",
            "/categories/",
            "/villages/",
            f"/villages/{product.producer.village.code}/",
            producer_page.get_parent().url,
            producer_page.url,
            product.url,
            "/cart/",
            "/checkout/",
            "/notices/",
            f"/notices/{notices[0].pk}/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/portal/login/",
            "/en/",
        ],
        buyer=[
            "/account/orders/",
            "/account/addresses/",
            "/account/addresses/new/",
            f"/account/addresses/{address.pk}/",
            "/account/profile/",
            "/accounts/password/change/",
            f"/orders/{order.number}/",
            f"/orders/{order.number}/pay/",
            f"/payments/dummy/{payment.pk}/",
        ],
        portal=[
            "/portal/",
            "/portal/products/",
            "/portal/products/new/",
            f"/portal/products/{product.pk}/edit/",
            "/portal/shipments/",
            "/portal/earnings/",
        ],
        buyer_user=buyer,
        member_user=member,
        variant=tomato,
    )
