"""A demo year of orders through the real services: retail buyers and
buying units, every state an order can reach, paid online and by bank transfer.
The seeding records bank transfers and refunds as the system (``SYSTEM``), not
as a member of staff. The demo buyer manages the county trade union and may
order for the two canteens; the union has 发票 the township issued."""

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from core.roles import SYSTEM
from shop.catalogue.models import ProductVariant
from shop.institutions.models import BuyingUnit, UnitMembership
from shop.invoicing import selectors as invoice_selectors
from shop.invoicing import services as invoicing
from shop.invoicing.models import InvoiceRequest
from shop.orders import inventory, lifecycle
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Order, Shipment
from shop.payments import expiry
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, record_offline_payment, start_payment

# Buying units of the report's kind: unions and canteens buying in bulk
# (fictional, with tax numbers whose check digit is right).
INSTITUTIONS = [
    ("临清市总工会（示例）", BuyingUnit.Kind.UNION, "91371581MA3C00000R"),
    ("聊城市某机关食堂（示例）", BuyingUnit.Kind.CANTEEN, "12371500MB00000005"),
    ("临清市某中学食堂（示例）", BuyingUnit.Kind.CANTEEN, "12371581MB0000000F"),
]
# The union's paid orders the township has invoiced.
INVOICED_ORDERS = 3
# A PDF's smallest shape, for the demo's invoice file.
DEMO_INVOICE_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

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
    units = _buying_units(buyer)
    for index in range(36):
        unit = units[index % len(units)]
        placed_at = now - timedelta(days=10 * index + rng.randint(5, 9), hours=rng.randint(8, 17))
        lines = [(variant, rng.randint(8, 20)) for variant in rng.sample(variants, 3)]
        _demo_order(
            rng,
            lines,
            placed_at=placed_at,
            now=now,
            email=f"institution{index % 3}@{DEMO_BUYER_DOMAIN}",
            user=buyer,
            unit=unit,
        )
        created += 1
    lifecycle.complete_due_orders(now=now)
    if buyer is not None:
        _invoice_the_union(units[0], buyer=buyer, now=now)
    return created


def _buying_units(buyer) -> list[BuyingUnit]:
    """The demo's units; the demo buyer manages the union and orders for all three.
    Without the demo buyer (a partial seed), the units have no member and no orders."""
    units = []
    for index, (name, kind, tax_number) in enumerate(INSTITUTIONS):
        unit, _created = BuyingUnit.objects.get_or_create(
            name=name, defaults={"kind": kind, "invoice_title": name, "tax_number": tax_number}
        )
        if buyer is not None:
            UnitMembership.objects.get_or_create(
                unit=unit,
                user=buyer,
                defaults={"role": "manager" if index == 0 else "member"},
            )
        units.append(unit)
    return units


def _invoice_the_union(union: BuyingUnit, *, buyer, now: datetime) -> None:
    """The union's first paid orders invoiced: requested by the buyer, issued by
    the township's editor (the demo's producers leave their invoices to the township)."""
    editor = get_user_model().objects.filter(username="editor").first()
    paid = [
        order.pk
        for order in union.orders.filter(
            status__in=invoice_selectors.INVOICEABLE, refunded_fen=0
        ).order_by("created_at")[:INVOICED_ORDERS]
    ]
    if editor is None or not paid:
        return
    requests = invoicing.request_invoice(
        actor=buyer,
        order_ids=paid,
        kind=InvoiceRequest.Kind.NORMAL,
        title=union.invoice_title,
        tax_number=union.tax_number,
        email=f"union@{DEMO_BUYER_DOMAIN}",
    )
    for number, request in enumerate(requests, start=1):
        invoicing.issue_invoice(
            actor=editor,
            request_id=request.pk,
            number=f"{number:08d}",
            issued_on=timezone.localdate(now),
            amount_fen=request.amount_fen,
            pdf=ContentFile(DEMO_INVOICE_PDF, name="invoice.pdf"),
        )


def _demo_order(rng, lines, *, placed_at, now, email, user=None, unit=None) -> Order:
    for variant, quantity in lines:
        inventory.release(variant_id=variant.pk, quantity=quantity)  # demo stock never runs dry
    province, city, district = rng.choice(DEMO_ADDRESS_CITIES)
    address = ShippingAddress(
        recipient=unit.name if unit else "示例买家",
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
        gateway="offline" if unit else "dummy",
        channel=Order.Channel.OFFLINE if unit else Order.Channel.ONLINE,
        user=user,
        buying_unit_id=unit.pk if unit and user else None,
        budget_year=timezone.localtime(placed_at).year if unit and user else None,
        # A unit's order without a member to place it (no demo buyer) keeps the unit's title.
        invoice_title=unit.invoice_title if unit else "",
        tax_number=unit.tax_number if unit else "",
    )
    window = timedelta(days=7) if unit else timedelta(minutes=30)
    Order.objects.filter(pk=order.pk).update(created_at=placed_at, expires_at=placed_at + window)
    age = now - placed_at
    if age < timedelta(minutes=30) or (unit is None and rng.random() < 0.04):
        if age > window:
            expiry.expire_unpaid_orders(now=now)
        return order
    paid_at = placed_at + timedelta(minutes=rng.randint(2, 25))
    if unit:
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
