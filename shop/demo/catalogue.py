"""Demo catalogue: categories and a few products per demo producer (the
report's goods, see docs/demo-data.md). Idempotent."""

from dataclasses import dataclass

from django.db import transaction

from producers.models import ProducerPage
from shop.catalogue.models import Category, ProductPage, ProductPhoto, ProductVariant
from shop.demo.photos import photo_for

# (slug, name, parent slug, return policy, return window in days, ship within days)
CATEGORIES: list[tuple[str, str, str | None, str, int, int]] = [
    ("vegetables", "蔬菜", None, Category.ReturnPolicy.QUALITY_ONLY, 2, 2),
    ("fruit", "水果", None, Category.ReturnPolicy.QUALITY_ONLY, 2, 2),
    ("handicrafts", "手工艺品", None, Category.ReturnPolicy.NO_REASON, 7, 5),
    ("woven", "编织品", "handicrafts", Category.ReturnPolicy.NO_REASON, 7, 5),
    ("bags", "箱包", "handicrafts", Category.ReturnPolicy.NO_REASON, 7, 5),
    ("knitwear", "针织品", "handicrafts", Category.ReturnPolicy.NO_REASON, 7, 5),
    ("farm-goods", "农副产品", None, Category.ReturnPolicy.NO_REASON, 7, 3),
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


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for order, (slug, name, parent_slug, policy, window, ship_within) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "parent": categories.get(parent_slug) if parent_slug else None,
                "return_policy": policy,
                "return_window_days": window,
                "ship_within_days": ship_within,
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
