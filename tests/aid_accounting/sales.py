"""Sales, deliveries and refunds through the real shop services, for the aid tests."""

import datetime
from collections.abc import Sequence

from shop.catalogue.models import ProductVariant
from shop.orders import lifecycle
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Order, Shipment
from shop.payments.models import Refund
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, record_offline_payment, start_payment

ADDRESS = ShippingAddress(
    recipient="王示例",
    mobile="13812345678",
    province="北京市",
    city="北京市",
    district="朝阳区",
    street="示例路1号",
)


def sell(
    items: Sequence[tuple[ProductVariant, int]],
    *,
    paid_at: datetime.datetime | None = None,
    offline: bool = False,
) -> Order:
    """Place and pay an order (online by the dummy gateway, or offline by bank transfer)."""
    order = place_order(
        items=[(variant.pk, quantity) for variant, quantity in items],
        email="buyer@example.com",
        address=ADDRESS,
        gateway="offline" if offline else "dummy",
        channel=Order.Channel.OFFLINE if offline else Order.Channel.ONLINE,
    )
    if offline:
        record_offline_payment(
            order_id=order.pk,
            amount_fen=order.total_fen,
            method="bank_transfer",
            reference="",
            actor=None,
            received_at=paid_at,
        )
    else:
        payment, _start = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)
    order.refresh_from_db()
    return order


def deliver(order: Order, *, at: datetime.datetime) -> None:
    """Ship and deliver every shipment, delivered at ``at``."""
    for shipment in order.shipments.all():
        lifecycle.ship(
            shipment_id=shipment.pk, carrier="顺丰速运", tracking_number=f"T{shipment.pk}"
        )
        lifecycle.deliver(shipment_id=shipment.pk)
        Shipment.objects.filter(pk=shipment.pk).update(delivered_at=at)


def refund(order: Order, *, staff, line=None, quantity: int = 0) -> Refund:
    """Refund ``quantity`` units of ``line``, or the whole order when line is None."""
    pending = request_refund(
        order_id=order.pk,
        actor=staff,
        reason="质量问题",
        line_id=line.pk if line is not None else None,
        quantity=quantity,
    )
    return execute_refund(refund_id=pending.pk)
