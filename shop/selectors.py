"""Reads for the storefront. Every listing runs a fixed number of queries
whatever the number of products: related rows are joined, the listing photo's
rendition is prefetched, and the lowest price is computed in SQL."""

from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from wagtail.images import get_image_model

from producers.models import Village

from .models import Category, ProductCertificate, ProductPage, ProductVariant

LISTING_RENDITION = "fill-480x320"

SORTS = {
    "newest": ("-first_published_at", "pk"),
    "price": ("min_price_fen", "pk"),
    "-price": ("-min_price_fen", "pk"),
}
DEFAULT_SORT = "newest"


def _lowest_active_price() -> Subquery:
    return Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(lowest=Min("price_fen"))
        .values("lowest")
    )


def listed_products(*, sort: str = DEFAULT_SORT) -> QuerySet[ProductPage]:
    """Live products ready for a product card, ordered by ``sort`` (see SORTS)."""
    rendition_model = get_image_model().get_rendition_model()
    return (
        ProductPage.objects.live()
        .select_related("producer__village", "category", "image")
        # A subquery, not a join: joining the variants would group every row by all the
        # page's columns, which costs more to plan and compile than the page costs to read.
        .annotate(min_price_fen=_lowest_active_price())
        .prefetch_related(
            Prefetch(
                "image__renditions",
                queryset=rendition_model.objects.filter(filter_spec=LISTING_RENDITION),
                to_attr="prefetched_renditions",
            )
        )
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )


def products_in_category(*, category: Category, sort: str = DEFAULT_SORT) -> QuerySet[ProductPage]:
    """Products of the category and of its sub-categories."""
    return listed_products(sort=sort).filter(Q(category=category) | Q(category__parent=category))


def products_in_village(*, village: Village, sort: str = DEFAULT_SORT) -> QuerySet[ProductPage]:
    return listed_products(sort=sort).filter(producer__village=village)


def valid_certificates(*, product: ProductPage) -> QuerySet[ProductCertificate]:
    return product.certificates.valid_on(timezone.localdate())
