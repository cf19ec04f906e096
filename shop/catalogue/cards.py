"""Product cards: what a listing (home, category, village, producer, search)
shows of each product, read for the whole listing at once.

A listing shows up to 24 cards and they are most of its cost, so a card is read
as a plain row of the few values it shows, not as a Wagtail page: the row's
``url_path`` gives its address, and the photos of all the cards come in one
query with their renditions (made on first view, as ``{% image %}`` makes them).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import Site

from core.money import format_yuan
from shop.catalogue.models import ProductPage

PHOTO_RENDITION = "fill-480x320"

CARD_FIELDS = (
    "pk",
    "title",
    "url_path",
    "min_price_fen",
    "producer__village__name",
    "category__name",
    "image_id",
)

# What reverse() leaves unquoted in a path (django.urls.resolvers).
_PATH_SAFE = "/~:@!$&'()*+,;="


@dataclass(frozen=True)
class CardPhoto:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class ProductCard:
    title: str
    url: str
    price_text: str  # "¥39.80 起", or "" without an active variant
    village: str
    category: str
    photo: CardPhoto | None


def product_cards(products) -> list[ProductCard]:
    """The cards of ``products`` in their order: a query set of products (as
    ``selectors.listed_products`` makes them), a paginator's page of one, or
    product pages already read (search results)."""
    rows = _rows(getattr(products, "object_list", products))
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
    spec = Filter(spec=PHOTO_RENDITION)
    renditions = {}
    for rendition in (
        image_model.get_rendition_model()
        .objects.filter(image_id__in=image_ids, filter_spec=spec.spec)
        .select_related("image")
    ):
        # A rendition made before the photo's focal point changed is not this one.
        if rendition.focal_point_key == spec.get_cache_key(rendition.image):
            renditions[rendition.image_id] = rendition
    missing = image_ids - renditions.keys()
    if missing:
        for image in image_model.objects.filter(pk__in=missing):
            renditions[image.pk] = image.get_rendition(spec)
    return {
        pk: CardPhoto(url=rendition.url, width=rendition.width, height=rendition.height)
        for pk, rendition in renditions.items()
    }


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
