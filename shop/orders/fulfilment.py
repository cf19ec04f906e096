"""What a producer has to send: its own shipments of paid orders. Only the
shipment's own lines are loaded (an order may hold other producers' lines),
and of the buyer only what a parcel needs: name, mobile and address."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from django.db.models import Min, QuerySet
from django.utils import timezone
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

# Each courier's public tracking page; the others go to 快递100 (its code where known,
# else it guesses the courier from the number).
_TRACKING_PAGES = {
    "顺丰速运": "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
    "京东物流": "https://www.jdl.com/orderSearch/?waybillCodes={number}",
    "邮政EMS": "https://www.ems.com.cn/queryList?mailNum={number}",
}
_KUAIDI100_CODES = {
    "中通快递": "zhongtong",
    "圆通速递": "yuantong",
    "韵达快递": "yunda",
    "申通快递": "shentong",
    "极兔速递": "jtexpress",
}

# A parcel is "close to" its ship-by date from the day before.
DUE_SOON = timedelta(days=1)

_TRACKING_NUMBER = re.compile(r"[A-Z0-9-]{6,40}")


def normalize_tracking_number(value: str) -> str:
    """Spaces dropped and letters in upper case, as couriers print them."""
    return re.sub(r"\s", "", value or "").upper()


def is_tracking_number(value: str) -> bool:
    return bool(_TRACKING_NUMBER.fullmatch(value))


def tracking_url(shipment: Shipment) -> str:
    """Where the buyer follows the parcel; empty without a tracking number."""
    if not shipment.tracking_number:
        return ""
    number = quote(shipment.tracking_number, safe="")
    page = _TRACKING_PAGES.get(shipment.carrier)
    if page:
        return page.format(number=number)
    code = _KUAIDI100_CODES.get(shipment.carrier)
    return f"https://www.kuaidi100.com/chaxun?{f'com={code}&' if code else ''}nu={number}"


def set_ship_by(order: Order) -> None:
    """Date each of a just-paid order's parcels must leave by: the payment's day
    in local time plus the shortest time any of its lines' categories allows."""
    paid_on = timezone.localdate(order.paid_at)
    # One query, not three: this runs in every payment's transaction.
    for shipment in order.shipments.annotate(days=Min("lines__category__ship_within_days")):
        shipment.ship_by = paid_on + timedelta(days=shipment.days)
        shipment.save(update_fields=["ship_by"])


@dataclass(frozen=True)
class WorkCounts:
    to_send: int
    due_soon: int
    overdue: int


def work_counts(producer: Producer, *, today: date | None = None) -> WorkCounts:
    """The portal home's counts: parcels to send, those due today or tomorrow, those late."""
    today = today or timezone.localdate()
    waiting = shipments_to_send(producer)
    return WorkCounts(
        to_send=waiting.count(),
        due_soon=waiting.filter(ship_by__gte=today, ship_by__lte=today + DUE_SOON).count(),
        overdue=waiting.filter(ship_by__lt=today).count(),
    )


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
