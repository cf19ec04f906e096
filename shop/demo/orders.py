"""A demo year of orders through the real services: retail buyers and
institutions, every state an order can reach, paid online and by bank transfer.
The seeding records bank transfers and refunds as the system (``SYSTEM``), not
as a member of staff."""

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.roles import SYSTEM
from shop.catalogue.models import ProductVariant
from shop.orders import inventory, lifecycle
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Order, Shipment
from shop.payments import expiry
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, record_offline_payment, start_payment

# Institutional buyers of the report's kind: unions and canteens buying in bulk.
INSTITUTIONS = [
    ("临清市总工会（示例）", "12371581MB0000001X"),
    ("聊城市某机关食堂（示例）", "12371500MB0000002X"),
    ("临清市某中学食堂（示例）", "12371581MB0000003X"),
]

DEMO_BUYER_DOMAIN = "demo-buyer.example"

DEMO_ADDRESS_CITIES = [
    ("山东省", "济南市", "历下区"),
    ("山东省", "聊城市", "东昌府区"),
    ("北京市", "北京市", "朝阳区"),
    ("上海市", "上海市", "浦东新区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("河北省", "石家庄市", "长安区"),
]


def seed_orders(*, now: datetime | None = None, retail: int = 800, seed: int = 2026) -> int:
    """A year of demo orders in every state, placed through the real services
    (so stock, payments and everything listening to ``shop.events`` see them)
    and then dated back. Only seeds a shop that has no orders yet."""
    if Order.objects.exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    variants = list(
        ProductVariant.objects.filter(is_active=True, product__live=True).order_by("pk")
    )
    buyer = get_user_model().objects.filter(username="buyer").first()
    created = 0
    for index in range(retail):
        # Sales grow towards the harvest months and the festival season.
        days_ago = int(365 * rng.random() ** 1.3)
        placed_at = now - timedelta(days=days_ago, minutes=rng.randint(0, 1439))
        lines = [
            (rng.choice(variants), rng.choice((1, 1, 1, 2, 2, 3)))
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]
        user = buyer if buyer and index % 15 == 0 else None
        _demo_order(
            rng,
            lines,
            placed_at=placed_at,
            now=now,
            user=user,
            email=f"buyer{index % 97}@{DEMO_BUYER_DOMAIN}",
        )
        created += 1
    for index in range(36):
        institution, tax_number = INSTITUTIONS[index % len(INSTITUTIONS)]
        placed_at = now - timedelta(days=10 * index + rng.randint(5, 9), hours=rng.randint(8, 17))
        lines = [(variant, rng.randint(8, 20)) for variant in rng.sample(variants, 3)]
        _demo_order(
            rng,
            lines,
            placed_at=placed_at,
            now=now,
            email=f"institution{index % 3}@{DEMO_BUYER_DOMAIN}",
            institution=(institution, tax_number),
        )
        created += 1
    lifecycle.complete_due_orders(now=now)
    return created


def _demo_order(rng, lines, *, placed_at, now, email, user=None, institution=None) -> Order:
    for variant, quantity in lines:
        inventory.release(variant_id=variant.pk, quantity=quantity)  # demo stock never runs dry
    province, city, district = rng.choice(DEMO_ADDRESS_CITIES)
    address = ShippingAddress(
        recipient=institution[0] if institution else "示例买家",
        mobile=f"1990000{rng.randint(0, 9999):04d}",
        province=province,
        city=city,
        district=district,
        street="示例路1号",
    )
    order = place_order(
        items=[(variant.pk, quantity) for variant, quantity in lines],
        email=email,
        address=address,
        gateway="offline" if institution else "dummy",
        channel=Order.Channel.OFFLINE if institution else Order.Channel.ONLINE,
        user=user,
        invoice_title=institution[0] if institution else "",
        tax_number=institution[1] if institution else "",
    )
    window = timedelta(days=7) if institution else timedelta(minutes=30)
    Order.objects.filter(pk=order.pk).update(created_at=placed_at, expires_at=placed_at + window)
    age = now - placed_at
    if age < timedelta(minutes=30) or (institution is None and rng.random() < 0.04):
        if age > window:
            expiry.expire_unpaid_orders(now=now)
        return order
    paid_at = placed_at + timedelta(minutes=rng.randint(2, 25))
    if institution:
        record_offline_payment(
            order_id=order.pk,
            amount_fen=order.total_fen,
            method="bank_transfer",
            reference="",
            actor=SYSTEM,
            received_at=paid_at,
        )
    else:
        payment, _start = start_payment(order=order)
        payment_succeeded(
            payment_id=payment.pk,
            amount_fen=order.total_fen,
            external_id=f"dummy_{payment.pk}",
            paid_at=paid_at,
        )
    for shipment in order.shipments.all():
        if age < timedelta(days=2):
            break
        lifecycle.ship(
            shipment_id=shipment.pk,
            carrier=rng.choice(("顺丰速运", "中通快递", "邮政EMS")),
            tracking_number=f"DEMO{shipment.pk:08d}",
        )
        Shipment.objects.filter(pk=shipment.pk).update(shipped_at=paid_at + timedelta(days=1))
        if age >= timedelta(days=5):
            lifecycle.deliver(shipment_id=shipment.pk)
            Shipment.objects.filter(pk=shipment.pk).update(delivered_at=paid_at + timedelta(days=3))
    if order.shipments.filter(status=Shipment.Status.DELIVERED).exists():
        Order.objects.filter(pk=order.pk, delivered_at__isnull=False).update(
            delivered_at=paid_at + timedelta(days=3)
        )
    if rng.random() < 0.05:
        line = order.lines.order_by("-quantity").first()
        refund = request_refund(
            order_id=order.pk, actor=SYSTEM, reason="质量问题（演示）", line_id=line.pk, quantity=1
        )
        execute_refund(refund_id=refund.pk)
    return order
