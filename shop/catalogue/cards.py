"""Product cards: what a listing (home, category, village, producer, search)
shows of each product, read for the whole listing at once.

A listing shows up to 24 cards and they are most of its cost, so a card is read
as a plain row of the few values it shows, not as a Wagtail page: the row's
``url_path`` gives its address, and the photos of all the cards come in one
query with their renditions (made on first view, as ``{% image %}`` makes them).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import Site

from core.money import format_yuan
from shop.catalogue import shown
from shop.catalogue.models import ProductPage

PHOTO_RENDITION = "fill-480x320"
# The widths a card's photo is also offered in (``srcset``): a card is about 160 px
# wide on a phone, up to about 330 px on a wide screen, at one to three pixels a point.
SRCSET_RENDITIONS = ("fill-240x160", PHOTO_RENDITION, "fill-960x640")
# How wide a card's photo is drawn (``sizes``), from the card grid in site.css.
PHOTO_SIZES = "(min-width: 720px) 240px, 50vw"

CARD_FIELDS = (
    "pk",
    "title",
    "url_path",
    "min_price_fen",
    "producer__village__name",
    "category__name",
    "image_id",
    "sold_units",
)

# What reverse() leaves unquoted in a path (django.urls.resolvers).
_PATH_SAFE = "/~:@!$&'()*+,;="


@dataclass(frozen=True)
class CardPhoto:
    url: str
    width: int
    height: int
    srcset: str  # "… 240w, … 480w, … 960w"
    sizes: ClassVar[str] = PHOTO_SIZES


@dataclass(frozen=True)
class ProductCard:
    title: str
    url: str
    price_text: str  # "¥39.80 起", or "" without an active variant
    village: str
    category: str
    photo: CardPhoto | None
    sold_text: str  # "已售 7", "已售 10+" (shop.catalogue.shown), or "" before the first paid sale


def product_cards(products) -> list[ProductCard]:
    """The cards of ``products`` in their order: a query set of products (as
    ``selectors.listed_products`` makes them), a paginator's page of one, or
    product pages already read (search results)."""
    rows = _rows(getattr(products, "object_list", products))
    shown.shows_products(row["pk"] for row in rows)
    photos = _photos({row["image_id"] for row in rows if row["image_id"]})
    to_url = _url_maker()
    return [
        ProductCard(
            title=row["title"],
            url=to_url(row["url_path"]),
            price_text=(
                _("%(price)s 起") % {"price": format_yuan(row["min_price_fen"])}
                if row["min_price_fen"]
                else ""
            ),
            village=row["producer__village__name"],
            category=row["category__name"],
            photo=photos.get(row["image_id"]),
            sold_text=shown.sold_text(row["sold_units"]),
        )
        for row in rows
    ]


def _rows(products: QuerySet[ProductPage] | Iterable[ProductPage]) -> list[dict]:
    if isinstance(products, QuerySet):
        return list(products.values(*CARD_FIELDS))
    return [
        {
            "pk": product.pk,
            "title": product.title,
            "url_path": product.url_path,
            "min_price_fen": getattr(product, "min_price_fen", None),
            "producer__village__name": product.producer.village.name,
            "category__name": product.category.name,
            "image_id": product.image_id,
            "sold_units": getattr(product, "sold_units", 0),
        }
        for product in products
    ]


def _photos(image_ids: set[int]) -> dict[int, CardPhoto]:
    """The card renditions of these images: read with their images in one
    query; made (once, on the first listing that shows a new photo) where
    missing, as ``{% image %}`` makes them."""
    if not image_ids:
        return {}
    image_model = get_image_model()
    specs = {spec: Filter(spec=spec) for spec in SRCSET_RENDITIONS}
    renditions: dict[int, dict[str, object]] = {pk: {} for pk in image_ids}
    for rendition in (
        image_model.get_rendition_model()
        .objects.filter(image_id__in=image_ids, filter_spec__in=list(specs))
        .select_related("image")
    ):
        # A rendition made before the photo's focal point changed is not this one.
        spec = specs[rendition.filter_spec]
        if rendition.focal_point_key == spec.get_cache_key(rendition.image):
            renditions[rendition.image_id][spec.spec] = rendition
    missing = {pk for pk, made in renditions.items() if len(made) < len(specs)}
    if missing:
        for image in image_model.objects.filter(pk__in=missing):
            for name, spec in specs.items():
                if name not in renditions[image.pk]:
                    renditions[image.pk][name] = image.get_rendition(spec)
    photos = {}
    for pk, made in renditions.items():
        if not made:
            continue  # the image is gone
        main = made[PHOTO_RENDITION]
        # A small original is not enlarged, so two sizes can come out the same width;
        # a srcset may name each width once.
        by_width = {made[name].width: made[name].url for name in SRCSET_RENDITIONS}
        photos[pk] = CardPhoto(
            url=main.url,
            width=main.width,
            height=main.height,
            srcset=", ".join(f"{url} {width}w" for width, url in by_width.items()),
        )
    return photos


def _url_maker():
    """A function from a product's ``url_path`` to its address, as Wagtail's
    ``{% pageurl %}`` gives it on a one-site shop: the path below the site's root
    page, after the language prefix. Reversed once, not once a card."""
    roots = [root.root_path for root in Site.get_site_root_paths()]
    prefix = reverse("wagtail_serve", args=("",))

    def to_url(url_path: str) -> str:
        root = next((root for root in roots if url_path.startswith(root)), None)
        if root is None:
            return ""  # under no site: not routable, as {% pageurl %} would find
        return prefix + quote(url_path[len(root) :], safe=_PATH_SAFE)

    return to_url
