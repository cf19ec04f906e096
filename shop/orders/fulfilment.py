"""What a producer has to send: its own shipments of paid orders. Only the
shipment's own lines are loaded (an order may hold other producers' lines),
and of the buyer only what a parcel needs: name, mobile and address."""

import re

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from producers.models import Producer
from shop.orders.models import Order, Shipment

# Stored in Shipment.carrier; a parcel the producer carries over itself has
# no tracking number and is marked delivered by the producer.
LOCAL_DELIVERY = "本地配送"

CARRIER_CHOICES = [
    ("顺丰速运", _("顺丰速运")),
    ("中通快递", _("中通快递")),
    ("圆通速递", _("圆通速递")),
    ("韵达快递", _("韵达快递")),
    ("申通快递", _("申通快递")),
    ("极兔速递", _("极兔速递")),
    ("京东物流", _("京东物流")),
    ("邮政EMS", _("邮政EMS")),
    ("其他快递", _("其他快递")),
    (LOCAL_DELIVERY, _("本地配送（自己送到）")),
]

_TRACKING_NUMBER = re.compile(r"[A-Z0-9-]{6,40}")


def normalize_tracking_number(value: str) -> str:
    """Spaces dropped and letters in upper case, as couriers print them."""
    return re.sub(r"\s", "", value or "").upper()


def is_tracking_number(value: str) -> bool:
    return bool(_TRACKING_NUMBER.fullmatch(value))


def _for_producer(producer: Producer) -> QuerySet[Shipment]:
    return (
        Shipment.objects.filter(producer=producer).select_related("order").prefetch_related("lines")
    )


def shipments_to_send(producer: Producer) -> QuerySet[Shipment]:
    """Paid and not yet sent, the longest waiting first."""
    return (
        _for_producer(producer)
        .filter(status=Shipment.Status.PENDING, order__status=Order.Status.PAID)
        .order_by("order__paid_at", "pk")
    )


def shipments_on_the_way(producer: Producer) -> QuerySet[Shipment]:
    """Sent, not yet delivered, of orders still running; the latest first."""
    return (
        _for_producer(producer)
        .filter(
            status=Shipment.Status.SHIPPED,
            order__status__in=[Order.Status.PAID, Order.Status.SHIPPED],
        )
        .order_by("-shipped_at", "-pk")
    )
