"""Placing an order: prices from the database, shipping per producer, and
stock reserved by conditional update in the order's own transaction, so an
order exists only with its stock, and stock is never oversold.

An order placed from a cart is placed under the cart's row lock and empties
the cart in the same transaction; with the checkout form's one-time token, a
second submit of the same form (a double click, a retry after a lost answer)
waits for the first and is given the order it placed, reserving nothing."""

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shop.catalogue.models import ProductVariant
from shop.institutions.models import BuyingUnit, UnitMembership
from shop.orders import cart as carts
from shop.orders import inventory
from shop.orders.models import Cart, CartLine, NotifyBy, Order, OrderEvent, OrderLine, Shipment
from shop.orders.shipping import NotDeliverable, shipping_fee

PAYMENT_WINDOW = timedelta(minutes=30)

# A union's bank transfer takes days, not minutes.
PAYMENT_WINDOWS = {"offline": timedelta(days=7)}

_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


class CheckoutError(Exception):
    def __init__(self, messages: Sequence[str]):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class ShippingAddress:
    recipient: str
    mobile: str
    province: str
    city: str
    district: str
    street: str


def new_order_number() -> str:
    suffix = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    return f"LG{timezone.localdate():%y%m%d}{suffix}"


def _order_language() -> str:
    active = translation.get_language()
    known = dict(settings.LANGUAGES)
    return active if active in known else settings.LANGUAGE_CODE


def place_order(
    *,
    email: str,
    address: ShippingAddress,
    gateway: str,
    items: Sequence[tuple[int, int]] = (),
    cart: Cart | None = None,
    checkout_token: str | None = None,
    user=None,
    channel: str = Order.Channel.ONLINE,
    invoice_title: str = "",
    tax_number: str = "",
    notify_by: str = NotifyBy.BOTH,
    buying_unit_id: int | None = None,
    budget_year: int | None = None,
) -> Order:
    """Create an order awaiting payment and reserve its stock, or raise
    CheckoutError and change nothing.

    What is ordered is ``items`` ((variant id, quantity) pairs) or, with
    ``cart``, the cart's lines as they are under its row lock; the cart is
    emptied in the order's transaction. An order already placed with
    ``checkout_token`` is returned as it is, and nothing else is done.

    With ``buying_unit_id`` the order is in that unit's name, charged to
    ``budget_year`` (this year when not given): ``user`` must be a member of
    the unit, and the unit active, when the order is written."""
    if cart is not None and items:
        raise ValueError("order items or a cart, not both")
    with transaction.atomic():
        if cart is not None:
            # A second checkout of this cart waits here until the first commits
            # (a cart gone meanwhile has no lines: "empty" below).
            carts.lock(cart)
        if checkout_token is not None:
            placed = Order.objects.filter(checkout_token=checkout_token).first()
            if placed is not None:
                return placed
        order_fields = {
            "invoice_title": invoice_title,
            "tax_number": tax_number,
            "notify_by": notify_by,
        }
        if buying_unit_id is not None:
            unit = _unit_for(unit_id=buying_unit_id, user=user)
            order_fields |= {
                "buying_unit": unit,
                "budget_year": budget_year or timezone.localdate().year,
                "invoice_title": unit.invoice_title,
                "tax_number": unit.tax_number,
            }
        if cart is None:
            quantities = _quantities(items)
        else:
            quantities = _quantities(
                CartLine.objects.filter(cart_id=cart.pk).values_list("variant_id", "quantity")
            )
        problems = []
        # Lock order by id, so two checkouts never wait on each other in a cycle.
        for variant_id in sorted(quantities):
            try:
                inventory.reserve(variant_id=variant_id, quantity=quantities[variant_id])
            except inventory.OutOfStock:
                problems.append(variant_id)
        variants = ProductVariant.objects.select_related(
            "product__producer", "product__category"
        ).in_bulk(quantities)
        messages = [_sold_out_message(variants.get(variant_id)) for variant_id in problems]
        for variant_id in quantities:
            variant = variants.get(variant_id)
            if variant is not None and not (variant.is_active and variant.product.live):
                messages.append(_("“%(item)s”已下架。") % {"item": variant})
        if not messages:
            try:
                order = _create_order(
                    variants=variants,
                    quantities=quantities,
                    email=email,
                    address=address,
                    gateway=gateway,
                    user=user,
                    channel=channel,
                    checkout_token=checkout_token,
                    **order_fields,
                )
            except NotDeliverable as error:
                messages.append(str(error))
            else:
                if cart is not None:
                    carts.clear(cart)
                return order
        # Undo the reservations made above along with everything else.
        transaction.set_rollback(True)
    raise CheckoutError(messages)


def _unit_for(*, unit_id: int, user) -> BuyingUnit:
    """The unit, locked until the order commits (a unit stopped or a member
    removed meanwhile waits for it), if ``user`` may order in its name."""
    unit = BuyingUnit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None or user is None or not user.is_authenticated:
        raise CheckoutError([_("您不是该采购单位的成员，不能以单位名义下单。")])
    if not UnitMembership.objects.filter(unit=unit, user=user).exists():
        raise CheckoutError([_("您不是该采购单位的成员，不能以单位名义下单。")])
    if not unit.is_active:
        raise CheckoutError([_("采购单位“%(unit)s”已停用，不能以单位名义下单。") % {"unit": unit}])
    return unit


def _quantities(items: Iterable[tuple[int, int]]) -> dict[int, int]:
    quantities: dict[int, int] = defaultdict(int)
    for variant_id, quantity in items:
        if quantity <= 0:
            raise CheckoutError([_("商品数量必须大于零。")])
        quantities[variant_id] += quantity
    if not quantities:
        raise CheckoutError([_("购物车是空的。")])
    return quantities


def _sold_out_message(variant: ProductVariant | None) -> str:
    if variant is None:
        return _("找不到该商品规格，或已下架。")
    return _("“%(item)s”库存不足，已售罄或剩余数量少于所购数量。") % {"item": variant}


def _create_order(
    *, variants, quantities, email, address, gateway, user, channel, checkout_token, **order_fields
):
    by_producer = defaultdict(list)
    for variant_id, quantity in quantities.items():
        variant = variants[variant_id]
        by_producer[variant.product.producer].append((variant, quantity))

    fees = {
        producer: shipping_fee(
            producer=producer,
            subtotal_fen=sum(v.price_fen * q for v, q in lines),
            province=address.province,
        )
        for producer, lines in by_producer.items()
    }
    subtotal = sum(v.price_fen * q for lines in by_producer.values() for v, q in lines)
    shipping = sum(fees.values())
    now = timezone.now()
    order = Order.objects.create(
        number=new_order_number(),
        checkout_token=checkout_token,
        user=user if user is not None and user.is_authenticated else None,
        email=email,
        language=_order_language(),
        channel=channel,
        gateway=gateway,
        subtotal_fen=subtotal,
        shipping_fen=shipping,
        total_fen=subtotal + shipping,
        expires_at=now + PAYMENT_WINDOWS.get(gateway, PAYMENT_WINDOW),
        recipient=address.recipient,
        mobile=address.mobile,
        province=address.province,
        city=address.city,
        district=address.district,
        street=address.street,
        **order_fields,
    )
    for producer, lines in sorted(by_producer.items(), key=lambda item: item[0].pk):
        shipment = Shipment.objects.create(
            order=order, producer=producer, shipping_fen=fees[producer]
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                shipment=shipment,
                variant=variant,
                producer=producer,
                category=variant.product.category,
                product_title=variant.product.title,
                variant_name=variant.name,
                unit_price_fen=variant.price_fen,
                quantity=quantity,
                total_fen=variant.price_fen * quantity,
                return_policy=variant.product.category.return_policy,
                return_window_days=variant.product.category.return_window_days,
            )
            for variant, quantity in lines
        )
    OrderEvent.objects.create(order=order, kind="placed", to_status=order.status, actor=order.user)
    return order
