"""Messages to buyers: owed in the transaction of what they tell (messaging.outbox),
so a change that rolls back owes nothing and one applied twice owes them once.

The buyer chose how to hear (``NotifyBy``): a guest at checkout, an account on its
profile page. E-mail goes to the order's address, if it has one; SMS to its mobile."""

from django.template.loader import render_to_string
from django.utils import translation

from core.money import yuan_amount
from messaging.outbox import is_loading_history, owe_email, owe_sms
from messaging.sms.templates import SmsTemplate
from shop.orders.fulfilment import tracking_url
from shop.orders.links import order_link
from shop.orders.models import BuyerProfile, NotifyBy, Order, Shipment
from shop.sms_templates import (
    AFTERSALES_ANSWERED_SMS,
    AFTERSALES_BUYER_REMINDER_SMS,
    DELIVERED_SMS,
    DELIVERING_SMS,
    NOT_HONOURED_SMS,
    PAID_SMS,
    REFUNDED_SMS,
    SHIPPED_SMS,
    SURPLUS_REFUNDED_SMS,
)


def order_paid(order: Order) -> None:
    _tell(
        order,
        kind="paid",
        sms=(PAID_SMS, {"amount": yuan_amount(order.total_fen), "link": order_link(order)}),
    )


def payment_not_honoured(order: Order, *, payment_id: int, amount_fen: int) -> None:
    _tell(
        order,
        kind="payment_not_honoured",
        ref=f"payment-{payment_id}",
        sms=(NOT_HONOURED_SMS, {"amount": yuan_amount(amount_fen)}),
    )


def shipment_shipped(order: Order, shipment: Shipment) -> None:
    link = tracking_url(shipment)
    if link:
        sms = (
            SHIPPED_SMS,
            {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "tracking_link": link,
            },
        )
    else:
        sms = (DELIVERING_SMS, {"producer": shipment.producer.name})
    _tell(
        order,
        kind="shipped",
        ref=f"shipment-{shipment.pk}",
        sms=sms,
        context={"shipment": shipment, "tracking_url": link},
    )


def shipment_delivered(order: Order, shipment: Shipment) -> None:
    _tell(
        order,
        kind="delivered",
        ref=f"shipment-{shipment.pk}",
        sms=(DELIVERED_SMS, {"producer": shipment.producer.name}),
        context={"shipment": shipment},
    )


def order_refunded(order: Order, *, refund_id: int, amount_fen: int) -> None:
    _tell(
        order,
        kind="refunded",
        ref=f"refund-{refund_id}",
        sms=(REFUNDED_SMS, {"amount": yuan_amount(amount_fen)}),
    )


def surplus_refunded(order: Order, *, refund_id: int, amount_fen: int) -> None:
    _tell(
        order,
        kind="surplus_refunded",
        ref=f"refund-{refund_id}",
        sms=(SURPLUS_REFUNDED_SMS, {"amount": yuan_amount(amount_fen)}),
    )


def aftersales_answered(
    order: Order, *, request_id: int, step: str, step_label: str, respond_by: str
) -> None:
    """An after-sales request waits for the buyer (a proposal, a return to send,
    a refusal they may escalate): one message per step of the request."""
    _tell(
        order,
        kind="aftersales_answered",
        ref=f"aftersales-{request_id}-{step}",
        sms=(
            AFTERSALES_ANSWERED_SMS,
            {"step": step_label, "respond_by": respond_by, "link": order_link(order)},
        ),
        context={"step_label": step_label, "respond_by": respond_by},
    )


def aftersales_reminder(order: Order, *, request_id: int, status: str, respond_by: str) -> None:
    """The buyer's step is due soon: once per request and step."""
    _tell(
        order,
        kind="aftersales_reminder",
        ref=f"aftersales-{request_id}-{status}",
        sms=(
            AFTERSALES_BUYER_REMINDER_SMS,
            {"respond_by": respond_by, "link": order_link(order)},
        ),
        context={"respond_by": respond_by},
    )


def notify_by(order: Order) -> str:
    """An account's current choice (changed on its profile page), else the order's."""
    if order.user_id is not None:
        chosen = (
            BuyerProfile.objects.filter(user_id=order.user_id)
            .values_list("notify_by", flat=True)
            .first()
        )
        if chosen:
            return chosen
    return order.notify_by


def _tell(
    order: Order,
    *,
    kind: str,
    sms: tuple[SmsTemplate, dict[str, str]],
    ref: str = "",
    context: dict | None = None,
) -> None:
    """Owe the buyer one message of ``kind`` per channel they chose; ``ref`` tells
    apart messages of one kind (one per shipment, per refund)."""
    if is_loading_history():
        return
    why = f"order:{order.number}:{kind}" + (f":{ref}" if ref else "")
    channels = notify_by(order)
    by_email = bool(order.email) and channels != NotifyBy.SMS
    # "E-mail only" without an address still gets its messages, by SMS.
    by_sms = bool(order.mobile) and (channels != NotifyBy.EMAIL or not by_email)
    if by_email:
        with translation.override(order.language):  # the link in the buyer's language too
            context = {"order": order, "link": order_link(order), **(context or {})}
            subject = render_to_string(f"shop/email/{kind}_subject.txt", context).strip()
            body = render_to_string(f"shop/email/{kind}.txt", context)
        owe_email(key=f"{why}:email:{order.email}", to=order.email, subject=subject, body=body)
    if by_sms:
        template, params = sms
        owe_sms(
            key=f"{why}:sms:{order.mobile}",
            phone=order.mobile,
            template=template,
            params={"number": order.number, **params},
        )
