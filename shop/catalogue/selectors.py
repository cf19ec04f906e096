"""Reads for the storefront. Every listing runs a fixed number of queries
whatever the number of products: related rows are joined, the lowest price is
computed in SQL, and the cards' photos are read together (shop.catalogue.cards)."""

from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from producers.models import Producer, Village
from shop.catalogue.models import Category, ProductCertificate, ProductPage, ProductVariant

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


def _paid_units_sold() -> Coalesce:
    """Units of the product on paid order lines, less those refunded: an order only
    placed (awaiting payment, or cancelled unpaid) has sold nothing. The sum of its
    variants' counts (``ProductVariant.units_sold``), kept as payments and refunds
    are recorded."""
    return Coalesce(
        Subquery(
            ProductVariant.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(sold=Sum("units_sold"))
            .values("sold")
        ),
        0,
    )


def listed_products(*, sort: str = DEFAULT_SORT) -> QuerySet[ProductPage]:
    """Live products ready for a product card (shop.catalogue.cards), ordered by ``sort``
    (see SORTS): with their lowest active price, the units sold, and their village and category
    joined for when they are read as pages (search results)."""
    return (
        ProductPage.objects.live()
        .select_related("producer__village", "category")
        # A subquery, not a join: joining the variants would group every row by all the
        # page's columns, which costs more to plan and compile than the page costs to read.
        .annotate(min_price_fen=_lowest_active_price(), sold_units=_paid_units_sold())
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )


def units_sold(*, product_ids: list[int]) -> dict[int, int]:
    """Paid units less refunded ones, by product, for these products (those with none left out)."""
    return dict(
        ProductPage.objects.filter(pk__in=product_ids)
        .annotate(sold=_paid_units_sold())
        .filter(sold__gt=0)
        .values_list("pk", "sold")
    )


def category_with_children(*, slug: str) -> tuple[Category | None, list[Category]]:
    """The category of ``slug`` with its parent, and its sub-categories in their
    order; (None, []) when there is none. One query: the categories are a handful
    of rows, all read at once."""
    categories = list(Category.objects.all())
    by_pk = {category.pk: category for category in categories}
    category = next((category for category in categories if category.slug == slug), None)
    if category is None:
        return None, []
    if category.parent_id is not None:
        category.parent = by_pk[category.parent_id]
    children = [other for other in categories if other.parent_id == category.pk]
    for child in children:
        child.parent = category
    return category, children


def products_in_categories(
    *, categories: list[Category], sort: str = DEFAULT_SORT
) -> QuerySet[ProductPage]:
    """Products of these categories (a category and its sub-categories): by their
    keys, without joining the categories to filter."""
    return listed_products(sort=sort).filter(category_id__in=[c.pk for c in categories])


def products_in_village(*, village: Village, sort: str = DEFAULT_SORT) -> QuerySet[ProductPage]:
    return listed_products(sort=sort).filter(producer__village=village)


def valid_certificates(*, product: ProductPage) -> QuerySet[ProductCertificate]:
    return product.certificates.valid_on(timezone.localdate())


@dataclass(frozen=True)
class ListingCounts:
    on_sale: int  # live products a buyer can put in the cart now
    sold_out: int  # variants on sale but out of stock, of live products


def listing_counts(producer: Producer) -> ListingCounts:
    """The portal home's counts of a producer's products, in one query."""
    counts = ProductPage.objects.filter(producer=producer, live=True).aggregate(
        on_sale=Count(
            "pk", distinct=True, filter=Q(variants__is_active=True, variants__stock__gt=0)
        ),
        sold_out=Count("variants", filter=Q(variants__is_active=True, variants__stock=0)),
    )
    return ListingCounts(on_sale=counts["on_sale"], sold_out=counts["sold_out"])
