"""Demo catalogue: categories and a few products per demo producer, with
photos drawn locally by Pillow (nothing is downloaded). Idempotent."""

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image

from producers.models import ProducerPage
from shop.catalogue.models import Category, ProductPage, ProductPhoto, ProductVariant
from shop.orders import inventory, lifecycle
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Order, Shipment
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, record_offline_payment, start_payment

# (slug, name, parent slug, return policy, return window in days)
CATEGORIES: list[tuple[str, str, str | None, str, int]] = [
    ("vegetables", "蔬菜", None, Category.ReturnPolicy.QUALITY_ONLY, 2),
    ("fruit", "水果", None, Category.ReturnPolicy.QUALITY_ONLY, 2),
    ("handicrafts", "手工艺品", None, Category.ReturnPolicy.NO_REASON, 7),
    ("woven", "编织品", "handicrafts", Category.ReturnPolicy.NO_REASON, 7),
    ("bags", "箱包", "handicrafts", Category.ReturnPolicy.NO_REASON, 7),
    ("knitwear", "针织品", "handicrafts", Category.ReturnPolicy.NO_REASON, 7),
    ("farm-goods", "农副产品", None, Category.ReturnPolicy.NO_REASON, 7),
]


@dataclass(frozen=True)
class DemoProduct:
    producer_code: str
    slug: str
    title: str
    category_slug: str
    summary: str
    shape: str  # how the placeholder photo is drawn
    colour: tuple[int, int, int]
    variants: tuple[tuple[str, int, str, int | None, int], ...]  # name, fen, unit, grams, stock
    origin: str = "山东省临清市刘垓子镇"
    season_note: str = ""
    storage_note: str = ""
    live: bool = True


PRODUCTS: list[DemoProduct] = [
    DemoProduct(
        "jiangzhuang-coop",
        "greenhouse-tomato",
        "姜庄大棚番茄",
        "vegetables",
        "自然成熟的大棚番茄，沙瓤多汁。",
        "round",
        (214, 48, 39),
        (("5斤装礼盒", 3980, "盒", 2500, 120), ("10斤装", 6880, "箱", 5000, 60)),
        season_note="全年大棚种植，冬春季最甜",
        storage_note="常温避光，3–5天内食用",
    ),
    DemoProduct(
        "jiangzhuang-coop",
        "fruit-cucumber",
        "水果黄瓜",
        "vegetables",
        "脆嫩清甜的水果黄瓜，生吃凉拌皆宜。",
        "long",
        (86, 160, 64),
        (("3斤装", 2580, "袋", 1500, 150),),
        season_note="大棚种植，随摘随发",
        storage_note="冷藏保存",
    ),
    DemoProduct(
        "jiangzhuang-coop",
        "yellow-peach",
        "姜庄黄桃",
        "fruit",
        "生态观光园果树种植的黄桃。",
        "round",
        (242, 176, 53),
        (("5斤装", 4580, "箱", 2500, 80),),
        season_note="7–8月采摘",
        storage_note="冷藏保存，尽快食用",
    ),
    DemoProduct(
        "gerunlaifu-base",
        "greenhouse-melon",
        "大棚甜瓜",
        "fruit",
        "吕堂基地大棚甜瓜，香甜爽口。",
        "round",
        (221, 214, 110),
        (("2个装", 3280, "盒", 2000, 90), ("6个装", 8880, "箱", 6000, 30)),
        season_note="4–6月上市",
        storage_note="常温放置2天风味更佳",
    ),
    DemoProduct(
        "gerunlaifu-base",
        "baby-bok-choy",
        "有机小油菜",
        "vegetables",
        "基地种植的小油菜，鲜嫩可口。",
        "leaf",
        (67, 140, 74),
        (("2斤装", 1680, "袋", 1000, 100),),
        storage_note="冷藏保存，2天内食用",
    ),
    DemoProduct(
        "jinbo-bags",
        "nonwoven-tote",
        "无纺布环保购物袋",
        "bags",
        "施庄村妇女手工车缝，结实耐用。",
        "bag",
        (52, 120, 180),
        (("单个", 990, "个", 80, 400), ("10个装", 8800, "组", 800, 60)),
    ),
    DemoProduct(
        "jinbo-bags",
        "nonwoven-storage-box",
        "无纺布收纳箱",
        "bags",
        "可折叠收纳箱，适合衣物被褥。",
        "box",
        (120, 90, 160),
        (("大号", 2990, "个", 600, 120),),
    ),
    DemoProduct(
        "jifa-knitting",
        "knitted-scarf",
        "手工针织围巾",
        "knitwear",
        "张庄村针织车间出品的羊毛混纺围巾。",
        "knit",
        (170, 40, 70),
        (("酒红色", 6800, "条", 200, 50), ("藏青色", 6800, "条", 200, 50)),
    ),
    DemoProduct(
        "lishuyun-nets",
        "hand-woven-fishing-net",
        "手工编织渔网",
        "woven",
        "马庄村妇女一梭一线手工编织的渔网。",
        "net",
        (60, 110, 120),
        (("3米×1米", 5800, "张", 900, 40), ("5米×1.5米", 9800, "张", 1800, 20)),
    ),
    DemoProduct(
        "lishuyun-nets",
        "hand-woven-string-bag",
        "手编网兜",
        "woven",
        "结实的棉线网兜，买菜出游都方便。",
        "net",
        (190, 140, 60),
        (("单个", 1500, "个", 60, 200),),
        live=False,
    ),
    DemoProduct(
        "yuanbaofeng",
        "maple-leaf-tea",
        "元宝枫叶茶",
        "farm-goods",
        "姜庄元宝枫叶制成的代用茶。",
        "leaf",
        (150, 110, 40),
        (("100克罐装", 5800, "罐", 100, 70),),
        storage_note="密封干燥保存",
    ),
    DemoProduct(
        "yuanbaofeng",
        "maple-seed-oil",
        "元宝枫籽油",
        "farm-goods",
        "元宝枫籽冷榨食用油。",
        "bottle",
        (200, 160, 30),
        (("500毫升", 12800, "瓶", 460, 40),),
        storage_note="阴凉避光保存",
        live=False,
    ),
]


def draw_photo(shape: str, colour: tuple[int, int, int], seed: str) -> bytes:
    """A simple, recognisable placeholder photo: a shape on a soft background."""
    rng = random.Random(seed)
    width, height = 960, 640
    background = tuple(min(255, 235 + rng.randint(0, 15)) for _ in range(3))
    image = PILImage.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    dark = tuple(max(0, c - 60) for c in colour)
    cx, cy = width // 2, height // 2
    if shape == "round":
        for _ in range(3):
            r = rng.randint(120, 170)
            x, y = cx + rng.randint(-200, 200), cy + rng.randint(-80, 80)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=dark, width=6)
            draw.ellipse((x - 20, y - r - 10, x + 20, y - r + 20), fill=(70, 130, 50))
    elif shape == "long":
        for offset in (-140, 0, 140):
            draw.rounded_rectangle(
                (cx - 330, cy + offset - 45, cx + 330, cy + offset + 45),
                radius=45,
                fill=colour,
                outline=dark,
                width=6,
            )
    elif shape == "leaf":
        for offset in (-220, 0, 220):
            draw.ellipse(
                (cx + offset - 110, cy - 230, cx + offset + 110, cy + 230),
                fill=colour,
                outline=dark,
                width=6,
            )
            draw.line((cx + offset, cy - 220, cx + offset, cy + 220), fill=dark, width=6)
    elif shape in ("bag", "box"):
        top = cy - 200 if shape == "bag" else cy - 150
        draw.rectangle((cx - 220, top, cx + 220, cy + 230), fill=colour, outline=dark, width=8)
        if shape == "bag":
            draw.arc((cx - 120, top - 150, cx + 120, top + 90), 180, 360, fill=dark, width=18)
    elif shape == "knit":
        for row in range(8):
            y = 100 + row * 60
            for col in range(12):
                x = 120 + col * 62
                draw.polygon([(x, y), (x + 31, y + 50), (x + 62, y)], fill=colour, outline=dark)
    elif shape == "net":
        for i in range(0, width + height, 48):
            draw.line((i, 0, i - height, height), fill=colour, width=5)
            draw.line((i - height, 0, i, height), fill=colour, width=5)
    elif shape == "bottle":
        draw.rounded_rectangle(
            (cx - 110, cy - 120, cx + 110, cy + 260), radius=40, fill=colour, outline=dark, width=6
        )
        draw.rectangle((cx - 40, cy - 240, cx + 40, cy - 110), fill=colour, outline=dark, width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def photo_for(*, title: str, slug: str, shape: str, colour: tuple[int, int, int]) -> Image:
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    content = draw_photo(shape, colour, slug)
    return Image.objects.create(
        title=title, file=ImageFile(io.BytesIO(content), name=f"{slug}.jpg")
    )


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for order, (slug, name, parent_slug, policy, window) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "parent": categories.get(parent_slug) if parent_slug else None,
                "return_policy": policy,
                "return_window_days": window,
                "sort_order": order,
            },
        )
    return categories


@transaction.atomic
def seed_products(*, producer_pages: dict[str, ProducerPage]) -> int:
    """Create the demo products under their producers; returns how many were new.

    Run after ``seed_users``, so that drafts can be submitted by a member."""
    categories = seed_categories()
    for code, page in producer_pages.items():
        if page.image_id is None:
            # A producer's cover shows what it is known for: its first product.
            first = next(spec for spec in PRODUCTS if spec.producer_code == code)
            page.image = photo_for(
                title=page.title, slug=code, shape=first.shape, colour=first.colour
            )
            page.save_revision().publish()
    created = 0
    for spec in PRODUCTS:
        parent = producer_pages[spec.producer_code]
        product = ProductPage.objects.child_of(parent).filter(slug=spec.slug).first()
        if product is None:
            product = ProductPage(
                title=spec.title,
                slug=spec.slug,
                summary=spec.summary,
                category=categories[spec.category_slug],
                origin=spec.origin,
                season_note=spec.season_note,
                storage_note=spec.storage_note,
                image=photo_for(
                    title=spec.title, slug=spec.slug, shape=spec.shape, colour=spec.colour
                ),
                description=f"<p>{spec.summary}</p>",
                live=spec.live,
            )
            product.photos = [
                ProductPhoto(
                    image=photo_for(
                        title=f"{spec.title}（细节）",
                        slug=f"{spec.slug}-detail",
                        shape=spec.shape,
                        colour=tuple(max(0, c - 30) for c in spec.colour),
                    ),
                    caption=spec.summary,
                )
            ]
            parent.add_child(instance=product)
            revision = product.save_revision()
            if spec.live:
                revision.publish()
            else:
                # Drafts wait in the editors' queue, submitted by the producer's member.
                submitter = parent.producer.members.order_by("pk").first()
                if submitter is not None:
                    product.get_workflow().start(product, submitter)
            created += 1
        for order, (name, price_fen, unit, grams, stock) in enumerate(spec.variants):
            ProductVariant.objects.get_or_create(
                product=product,
                name=name,
                defaults={
                    "price_fen": price_fen,
                    "unit": unit,
                    "net_weight_grams": grams,
                    "stock": stock,
                    "sort_order": order,
                },
            )
    return created


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
            lifecycle.expire_unpaid_orders(now=now)
        return order
    paid_at = placed_at + timedelta(minutes=rng.randint(2, 25))
    if institution:
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
            order_id=order.pk, actor=None, reason="质量问题（演示）", line_id=line.pk, quantity=1
        )
        execute_refund(refund_id=refund.pk)
    return order
