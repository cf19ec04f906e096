from dataclasses import dataclass

from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from simple_history.models import HistoricalRecords
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from producers.models import Certificate, Producer, ProducerPage, join_relations
from shop.catalogue import shown
from shop.catalogue.chinese_text import index_tokens
from shop.catalogue.panels import ProductOverviewPanel

# A product's address below the home page: producers index, producer, product.
PRODUCT_DEPTH = 3


class HomePage(Page):
    intro = models.CharField(_("标语"), max_length=200, blank=True)
    aid_story = RichTextField(_("帮扶故事"), blank=True)
    # The hero speaks for the shop, so the English home page says it in English; the
    # site runs without Wagtail's page translations (one tree, Chinese content).
    title_en = models.CharField(
        _("英文标题"),
        max_length=255,
        blank=True,
        help_text=_("英文首页的大标题；留空则用中文标题。"),
    )
    intro_en = models.CharField(
        _("英文标语"),
        max_length=200,
        blank=True,
        help_text=_("英文首页的标语；留空则用中文标语。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("aid_story"),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("intro_en")], heading=_("英文首页")),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["producers.ProducersIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def route(self, request, path_components):
        """A product's address (producers index / producer / product, below this
        page) is read in one query with what its page shows joined, instead of a
        query or two for each level of the tree; any other address is walked as
        Wagtail walks it."""
        if len(path_components) == PRODUCT_DEPTH:
            product = (
                ProductPage.objects.live()
                # The slug is indexed; the whole address makes it this site's product.
                .filter(
                    slug=path_components[-1],
                    url_path=self.url_path + "".join(f"{part}/" for part in path_components),
                )
                .select_related(*ProductPage.SHOWN_RELATIONS)
                .first()
            )
            if product is not None:
                return RouteResult(product)
        return super().route(request, path_components)

    def hero_title(self) -> str:
        """The hero's heading in the language the page is shown in."""
        return self.title_en if self.title_en and _in_english() else self.title

    def tagline(self) -> str:
        return self.intro_en if self.intro_en and _in_english() else self.intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured_producers"] = (
            ProducerPage.objects.live()
            .descendant_of(self)
            .select_related("producer__village", "image")[:6]
        )
        return context


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


class Category(models.Model):
    """Browse taxonomy across producers (蔬菜, 水果, 手工艺品 and their sub-categories).

    The return policy is data here, not code: handicrafts get the 7-day
    no-reason window; fresh produce is refundable only for quality problems.
    """

    class ReturnPolicy(models.TextChoices):
        NO_REASON = "no_reason", _("七天无理由退货")
        QUALITY_ONLY = "quality_only", _("生鲜：仅质量问题可退")

    slug = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    return_policy = models.CharField(
        _("退货规则"), max_length=16, choices=ReturnPolicy.choices, default=ReturnPolicy.NO_REASON
    )
    return_window_days = models.PositiveSmallIntegerField(_("退货期（天）"), default=7)
    # Perishables must leave sooner: the ship-by date of a paid order's parcel.
    ship_within_days = models.PositiveSmallIntegerField(
        _("发货时限（天）"), default=3, help_text=_("付款后几天内须发货；生鲜应短一些。")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("parent"),
        FieldPanel("return_policy"),
        FieldPanel("return_window_days"),
        FieldPanel("ship_within_days"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类")

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class ProductPage(Page):
    """A product of the producer whose page is its parent.

    What is sold (variants with price and stock) lives in ``ProductVariant``,
    outside page revisions, so publishing an old revision never touches stock
    or prices.
    """

    producer = models.ForeignKey(
        Producer,
        verbose_name=_("生产者"),
        on_delete=models.PROTECT,
        related_name="product_pages",
        editable=False,
    )
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="products"
    )
    summary = models.CharField(_("简介"), max_length=200)
    description = RichTextField(_("详细介绍"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("主图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(_("产地"), max_length=100, blank=True)
    season_note = models.CharField(_("采收/季节"), max_length=100, blank=True)
    storage_note = models.CharField(_("储存方法"), max_length=100, blank=True)

    content_panels = Page.content_panels + [
        ProductOverviewPanel(heading=_("审核与规格")),
        FieldPanel("summary"),
        FieldPanel("category"),
        FieldPanel("image"),
        InlinePanel("photos", heading=_("更多照片"), label=_("照片")),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("origin"), FieldPanel("season_note"), FieldPanel("storage_note")],
            heading=_("产地与储存"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_tokens"),
        index.FilterField("category"),
        index.FilterField("producer"),
    ]
    parent_page_types = ["producers.ProducerPage"]
    subpage_types: list[str] = []

    # What the product's page shows of its relations, read with it. Not the producer's
    # page (its story), read on its own when the template reaches it: joined here too
    # (eight tables), the query took PostgreSQL about 10 ms to plan, against 1.5 ms
    # without it and 0.1 ms for the producer's page alone.
    SHOWN_RELATIONS = ("producer__village", "category", "image")

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        join_relations(self, fields=self.SHOWN_RELATIONS)
        # The producer's page is the parent, whose address is this one's less its
        # last part: no need to read it.
        url = self.get_url(request)
        context["producer_page_url"] = url[: url.rstrip("/").rfind("/") + 1]
        variants = list(self.variants.filter(is_active=True))
        context["variants"] = variants
        shown.shows_products([self.pk])
        context["low_stock"] = shown.LOW_STOCK
        in_stock = [variant for variant in variants if variant.stock > 0]
        # The chip chosen when the page opens: the cheapest that can be bought.
        context["default_variant"] = min(in_stock, key=lambda v: v.price_fen, default=None)
        prices = [variant.price_fen for variant in variants]
        context["price_low"] = min(prices, default=None)
        context["price_high"] = max(prices, default=None)
        # The aid share is told of one unit at the price the page opens with.
        context["share_price_fen"] = (
            context["default_variant"].price_fen
            if context["default_variant"]
            else context["price_low"]
        )
        context["gallery"] = self.gallery()
        # An editor often opens the description with the summary (the demo did):
        # the summary is already under the title.
        context["show_description"] = _plain(self.description) not in ("", _plain(self.summary))
        return context

    def gallery(self) -> list["GalleryPhoto"]:
        """The main image, then the more photos, each image once; a caption that
        only repeats the summary is not shown again."""
        shown: list[GalleryPhoto] = []
        seen: set[int] = set()
        if self.image_id is not None:
            shown.append(GalleryPhoto(image=self.image, caption=""))
            seen.add(self.image_id)
        for photo in self.photos.select_related("image"):
            if photo.image_id in seen:
                continue
            seen.add(photo.image_id)
            caption = "" if _plain(photo.caption) == _plain(self.summary) else photo.caption
            shown.append(GalleryPhoto(image=photo.image, caption=caption))
        return shown

    def search_tokens(self) -> str:
        """Chinese-aware tokens for search (see shop/catalogue/chinese_text.py): the
        title and category are also found by their pinyin."""
        producer = self.producer if self.producer_id else None
        category = self.category.name if self.category_id else ""
        return index_tokens(
            " ".join(
                [
                    self.title,
                    self.summary,
                    category,
                    producer.name if producer else "",
                    producer.village.name if producer else "",
                ]
            ),
            pinyin_of=f"{self.title} {category}",
        )

    def save(self, *args, **kwargs):
        # The producer is the one whose page this product sits under; keeping it
        # on the row lets listings and permission checks avoid walking the tree.
        parent = self.get_parent()
        if parent is not None:
            self.producer_id = parent.specific.producer_id
        super().save(*args, **kwargs)


def _plain(text: str) -> str:
    return " ".join(strip_tags(text or "").split())


@dataclass(frozen=True)
class GalleryPhoto:
    image: AbstractImage
    caption: str


class ProductPhoto(Orderable):
    """More photos of a product; part of the page, so they go through approval."""

    product = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("照片"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("说明"), max_length=100, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class ProductVariant(models.Model):
    """A sellable unit of a product ("5斤装礼盒"). Stock changes only through
    ``shop.orders.inventory``; the check constraint makes overselling impossible.
    So does ``units_sold``, the units of paid order lines less those refunded, kept
    as payments and refunds are recorded so that the cards' "已售 N" reads a few
    variants, not every line ever sold."""

    product = models.ForeignKey(
        ProductPage, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="variants"
    )
    name = models.CharField(_("规格"), max_length=64)
    price_fen = models.PositiveIntegerField(_("价格（分）"))
    unit = models.CharField(_("单位"), max_length=16, default="份")
    net_weight_grams = models.PositiveIntegerField(_("净重（克）"), null=True, blank=True)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    units_sold = models.PositiveIntegerField(_("已售数量"), default=0, editable=False)
    is_active = models.BooleanField(_("在售"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # Price, name and "on sale" as edited in the admin and the portal, and
    # stock as staff and producers correct it; not what orders take (see
    # shop.orders.inventory), nor the sales they count.
    history = HistoricalRecords(
        verbose_name=_("规格变更记录"),
        verbose_name_plural=_("规格变更记录"),
        excluded_fields=["units_sold"],
    )

    # Stock is not a form field: it changes only through shop.orders.inventory.
    panels = [
        FieldPanel("product"),
        FieldPanel("name"),
        FieldPanel("price_fen"),
        FieldPanel("unit"),
        FieldPanel("net_weight_grams"),
        FieldPanel("is_active"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["product", "sort_order", "pk"]
        verbose_name = _("规格")
        verbose_name_plural = _("规格")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="variant_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(price_fen__gt=0), name="variant_price_positive"
            ),
            models.UniqueConstraint(
                fields=["product", "name"], name="variant_name_unique_per_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} · {self.name}"

    def save(self, *args, **kwargs) -> None:
        # Saving an existing row (the admin's edit form) must not write back the
        # stock it read: orders take stock meanwhile by conditional UPDATE
        # (shop.orders.inventory), and writing the old figure would undo that.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "stock"
            ]
        super().save(*args, **kwargs)


class ProductCertificate(Certificate):
    """Kept outside page revisions: certificates are issued by the township,
    not edited by producers along with their product text."""

    product = models.ForeignKey(
        ProductPage, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="certificates"
    )

    panels = [FieldPanel("product"), *Certificate.panels]

    class Meta(Certificate.Meta):
        verbose_name = _("商品认定证书")
        verbose_name_plural = _("商品认定证书")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="product_certificate_period_ordered",
            )
        ]


class PageCacheGeneration(models.Model):
    """How many times the storefront's cached pages were retired (shop.catalogue.page_cache),
    counted in the database: a retirement the cache itself missed (Redis down or hung
    at that moment) still retires them once it is back. One row."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
