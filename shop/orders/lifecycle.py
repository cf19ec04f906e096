"""The order service: every status change of an order or shipment goes
through here. Each function locks the order row, applies the FSM transition
(an illegal one raises ``TransitionNotAllowed``) and writes an OrderEvent; a
payment is announced in ``shop.events`` (for the aid accounting) inside the
same transaction."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from shop import events
from shop.orders import fulfilment, inventory, notifications, producer_notices, returns
from shop.orders.models import Order, OrderEvent, Shipment

# A parcel not confirmed by then is taken as delivered (自动确认收货).
AUTO_CONFIRM_AFTER = timedelta(days=10)


def _locked(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _record(order: Order, kind: str, *, before: str = "", actor=None, note: str = "") -> None:
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=before,
        to_status=order.status if before else "",
        actor=actor,
        note=note[:255],
    )


def _flag_for_review(order: Order, reason: str, *, actor=None) -> Order:
    order.needs_review = True
    order.review_reason = reason[:255]
    order.save(update_fields=["needs_review", "review_reason"])
    _record(order, "flagged_for_review", actor=actor, note=reason)
    return order


@transaction.atomic
def flag_for_review(*, order_id: int, reason: str, actor=None) -> Order:
    """Ask a person to look at the order (the admin lists flagged orders)."""
    return _flag_for_review(_locked(order_id), reason, actor=actor)


@transaction.atomic
def mark_paid(
    *,
    order_id: int,
    amount_fen: int,
    currency: str = "cny",
    actor=None,
    paid_at: datetime | None = None,
    duplicate: bool = False,
) -> Order:
    """Record that the order's total was received (at ``paid_at``: a bank
    transfer is recorded after it arrived). The same payment confirmed twice
    changes nothing; a wrong amount, a payment for a cancelled order or a
    second, distinct payment (``duplicate``: the buyer paid twice) is flagged
    for review instead (a person decides whether to refund).

    A payment that lands after the order expired (the buyer paid at the last
    minute, the gateway told us late) still buys the goods if they are in stock:
    the order takes its stock again and is paid. If not, it is flagged: selling
    stock that is gone would oversell."""
    order = _locked(order_id)
    full = amount_fen == order.total_fen and currency.lower() == "cny"
    if order.status == Order.Status.CANCELLED:
        if duplicate or not full or not _expired(order):
            return _flag_for_review(
                order, _("订单已取消后收到付款 %(amount)s 分，需要退款。") % {"amount": amount_fen}
            )
        if not _reserve_again(order):
            return _flag_for_review(
                order,
                _("订单超时取消后收到付款 %(amount)s 分，库存已不足，需要退款。")
                % {"amount": amount_fen},
            )
        return _pay(order, order.pay_after_expiry, actor=actor, paid_at=paid_at)
    if order.status != Order.Status.AWAITING_PAYMENT:
        if duplicate:
            return _flag_for_review(
                order,
                _("订单已付款后又收到一笔付款 %(amount)s 分，需要退款。") % {"amount": amount_fen},
            )
        return order
    if not full:
        return _flag_for_review(
            order,
            _("收到金额 %(amount)s %(currency)s 与应付 %(total)s 分不符。")
            % {"amount": amount_fen, "currency": currency, "total": order.total_fen},
        )
    return _pay(order, order.pay, actor=actor, paid_at=paid_at)


def _pay(order: Order, transition, *, actor, paid_at: datetime | None) -> Order:
    before = order.status
    transition()
    order.paid_at = paid_at or timezone.now()
    order.save(update_fields=["status", "paid_at"])
    inventory.count_sold(order=order)
    _record(order, "paid", before=before, actor=actor)
    events.order_paid.send(sender=Order, order=order)
    fulfilment.set_ship_by(order)
    notifications.order_paid(order)
    producer_notices.order_paid(order)
    return order


def _expired(order: Order) -> bool:
    """Cancelled by ``expire_order``, not by a person (who meant it)."""
    return order.events.filter(kind="expired").exists()


def _reserve_again(order: Order) -> bool:
    """Take an expired order's stock again: every line, or none."""
    try:
        with transaction.atomic():
            for line in order.lines.all():
                inventory.reserve(variant_id=line.variant_id, quantity=line.quantity)
    except inventory.OutOfStock:
        return False
    return True


def _cancel_locked(order: Order, *, actor, note: str, kind: str = "cancelled") -> None:
    before = order.status
    order.cancel()
    order.save(update_fields=["status"])
    for line in order.lines.all():
        inventory.release(variant_id=line.variant_id, quantity=line.quantity)
    _record(order, kind, before=before, actor=actor, note=note)


@transaction.atomic
def cancel(*, order_id: int, actor=None, note: str = "") -> Order:
    """Cancel an unpaid order and give its stock back."""
    order = _locked(order_id)
    _cancel_locked(order, actor=actor, note=note)
    return order


def orders_due_to_expire(*, now: datetime) -> list[int]:
    """Ids of unpaid orders whose payment window has passed."""
    return list(
        Order.objects.filter(status=Order.Status.AWAITING_PAYMENT, expires_at__lt=now).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def expire_order(*, order_id: int, now: datetime) -> bool:
    """Cancel an unpaid order whose payment window has passed and give its stock
    back. Re-checked under the order's lock, so a payment that lands at the
    same moment wins or loses cleanly. Its open payments must be closed at
    their providers first (``shop.payments.expiry``)."""
    order = _locked(order_id)
    if order.status != Order.Status.AWAITING_PAYMENT or order.expires_at >= now:
        return False
    _cancel_locked(order, actor=None, note=_("超时未付款，自动取消。"), kind="expired")
    return True


@transaction.atomic
def ship(*, shipment_id: int, carrier: str, tracking_number: str, actor=None) -> Shipment:
    shipment = Shipment.objects.select_related("order", "producer").get(pk=shipment_id)
    order = _locked(shipment.order_id)
    if order.status not in (Order.Status.PAID, Order.Status.SHIPPED):
        raise ValueError(_("订单未付款或已结束，不能发货。"))
    shipment.ship()
    shipment.carrier, shipment.tracking_number = carrier.strip(), tracking_number.strip()
    shipment.shipped_at = timezone.now()
    shipment.save()
    _record(
        order,
        "shipment_shipped",
        actor=actor,
        note=f"{shipment.producer} {carrier} {tracking_number}",
    )
    notifications.shipment_shipped(order, shipment)
    if (
        order.status == Order.Status.PAID
        and not order.shipments.exclude(
            status__in=[Shipment.Status.SHIPPED, Shipment.Status.DELIVERED]
        ).exists()
    ):
        before = order.status
        order.ship()
        order.save(update_fields=["status"])
        _record(order, "shipped", before=before, actor=actor)
    return shipment


@transaction.atomic
def deliver(*, shipment_id: int, actor=None, note: str = "") -> Shipment:
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = _locked(order_id)
    # Read under the order's lock, so two confirmations cannot both deliver it.
    shipment = Shipment.objects.select_related("producer").get(pk=shipment_id)
    shipment.deliver()
    shipment.delivered_at = timezone.now()
    shipment.save()
    _record(
        order,
        "shipment_delivered",
        actor=actor,
        note=f"{shipment.producer} {note}".strip(),
    )
    notifications.shipment_delivered(order, shipment)
    if (
        order.status == Order.Status.SHIPPED
        and not order.shipments.exclude(status=Shipment.Status.DELIVERED).exists()
    ):
        before = order.status
        order.deliver()
        order.delivered_at = shipment.delivered_at
        order.save(update_fields=["status", "delivered_at"])
        _record(order, "delivered", before=before, actor=actor)
    return shipment


def confirm_overdue_deliveries(*, now: datetime | None = None) -> int:
    """Take parcels nobody confirmed as delivered AUTO_CONFIRM_AFTER their
    shipping (as the big marketplaces do), so their orders can complete and
    their aid be distributed. Returns how many were confirmed."""
    now = now or timezone.now()
    overdue = Shipment.objects.filter(
        status=Shipment.Status.SHIPPED, shipped_at__lte=now - AUTO_CONFIRM_AFTER
    ).values_list("pk", flat=True)
    confirmed = 0
    for shipment_id in overdue:
        try:
            deliver(shipment_id=shipment_id, note=_("超时自动确认收货"))
        except TransitionNotAllowed:
            continue  # delivered meanwhile by someone else
        confirmed += 1
    return confirmed


def complete_due_orders(*, now: datetime | None = None, held: QuerySet | None = None) -> int:
    """Complete delivered orders whose return windows are over; returns how many.
    ``held``: the ids of orders that must stay open (an after-sales request
    waiting, ``shop.aftersales.selectors.orders_held``), read under each order's
    lock, as a request is opened under it too."""
    now = now or timezone.now()
    completed = 0
    delivered = Order.objects.filter(status=Order.Status.DELIVERED).prefetch_related("lines")
    for candidate in delivered:
        if returns.order_can_come_back(candidate, now=now):
            continue
        with transaction.atomic():
            order = _locked(candidate.pk)
            if order.status != Order.Status.DELIVERED:
                continue
            if held is not None and held.filter(pk=order.pk).exists():
                continue
            before = order.status
            order.complete()
            order.completed_at = now
            order.save(update_fields=["status", "completed_at"])
            _record(order, "completed", before=before)
            completed += 1
    return completed
