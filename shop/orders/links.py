"""Links to an order sent in messages. Signed, so whoever holds the message opens
a guest order from any device; a buyer account's order still asks its buyer to
log in. Absolute, on SITE_URL, since they are read outside the shop."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from shop.orders.models import Order

_SALT = "shop.orders.links"
# Long enough for a late refund's message; a buyer can always look an order up again.
VALID_FOR = timedelta(days=180)


def order_link(order: Order) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('order_link', args=[order_token(order)])}"


def order_token(order: Order) -> str:
    return signing.dumps(order.number, salt=_SALT, compress=True)


def order_from_token(token: str) -> Order | None:
    """The order a link names, or None for a forged, altered or expired link."""
    try:
        number = signing.loads(token, salt=_SALT, max_age=VALID_FOR)
    except signing.BadSignature:
        return None
    return Order.objects.filter(number=number).first()
