"""Messages to buyers: owed in the transaction of what they tell (messaging.outbox),
so a change that rolls back owes nothing and one applied twice owes them once.

The buyer chose how to hear (``NotifyBy``): a guest at checkout, an account on its
profile page. E-mail goes to the order's address, if it has one; SMS to its mobile."""

from django.template.loader import render_to_string
from django.utils import translation

from core.money import yuan_amount
from messaging.outbox import owe_email, owe_sms
from messaging.sms.templates import SmsTemplate, register
from shop.orders.fulfilment import tracking_url
from shop.orders.links import order_link
from shop.orders.models import BuyerProfile, NotifyBy, Order, Shipment

# The wording submitted for approval (docs/messages.md lists it). Only the payment
# carries the order's link; a shipment carries the courier's tracking page.
PAID_SMS = register(
    name="buyer_order_paid",
    text="您的订单${number}已付款${amount}元，我们会尽快发货。查看订单：${link}",
)
SHIPPED_SMS = register(
    name="buyer_order_shipped",
    text="您的订单${number}已由${carrier}发出，运单号${tracking_number}，查物流：${tracking_link}",
)
DELIVERING_SMS = register(
    name="buyer_order_delivering",
    text="您的订单${number}中${producer}的商品由生产者直接送货，请留意接收。",
)
DELIVERED_SMS = register(
    name="buyer_order_delivered",
    text="您的订单${number}中${producer}的商品已确认送达，感谢您支持帮扶产品。",
)
REFUNDED_SMS = register(
    name="buyer_order_refunded",
    text="您的订单${number}已退款${amount}元，款项将原路退回。",
)
NOT_HONOURED_SMS = register(
    name="buyer_payment_not_honoured",
    text="您为订单${number}支付的${amount}元不能用于该订单，将原路全额退回，您无需操作。",
)
SURPLUS_REFUNDED_SMS = register(
    name="buyer_surplus_refunded",
    text="您为订单${number}多付的${amount}元已原路退回。",
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
