"""Reading after-sales requests: what the order page offers, what the portal
and the admin list, the claims rate per producer."""

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from producers.models import Producer
from shop.aftersales.models import OPEN_STATUSES, AfterSalesRequest
from shop.orders.models import Order, OrderLine, Shipment


def orders_held() -> QuerySet[Order]:
    """Orders with a request still waiting for someone: they must not complete."""
    return Order.objects.filter(aftersales__status__in=OPEN_STATUSES)


def quantity_in_open_requests(line: OrderLine) -> int:
    return (
        line.aftersales.filter(status__in=OPEN_STATUSES).aggregate(total=Sum("quantity"))["total"]
        or 0
    )


def claimable_quantity(line: OrderLine) -> int:
    """Units of the line neither refunded nor already in a waiting request."""
    return line.quantity - line.refunded_quantity - quantity_in_open_requests(line)


def for_producer(producer: Producer) -> QuerySet[AfterSalesRequest]:
    return (
        AfterSalesRequest.objects.filter(line__producer=producer)
        .select_related("order", "line")
        .order_by("respond_by", "-created_at")
    )


def claims_rate(*, since_days: int = 90, now: datetime | None = None) -> list[dict]:
    """Per producer, over the last ``since_days``: order lines delivered, after-sales
    requests on them, and requests per 100 lines (the township's claims rate)."""
    since = (now or timezone.now()) - timedelta(days=since_days)
    delivered = Q(
        order_lines__shipment__status=Shipment.Status.DELIVERED,
        order_lines__shipment__delivered_at__gte=since,
    )
    rows = (
        Producer.objects.annotate(
            lines=Count("order_lines", filter=delivered, distinct=True),
            claims=Count("order_lines__aftersales", filter=delivered, distinct=True),
        )
        .filter(lines__gt=0)
        .order_by("name")
        .values("pk", "name", "lines", "claims")
    )
    return [{**row, "rate_percent": round(100 * row["claims"] / row["lines"], 1)} for row in rows]
