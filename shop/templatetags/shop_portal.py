"""Template helpers of the shop's producer-portal pages."""

from django import template

from shop.catalogue.selectors import ListingCounts, listing_counts
from shop.orders.fulfilment import WorkCounts, work_counts

register = template.Library()


@register.simple_tag
def producer_work(producer) -> WorkCounts:
    """The portal home's counts (parcels to send, due soon, late): the home page
    is the producers app's, which cannot import the shop, so it asks this tag."""
    return work_counts(producer)


@register.simple_tag
def producer_listing(producer) -> ListingCounts:
    """The portal home's counts of products on sale and variants sold out."""
    return listing_counts(producer)


def variant_tag(variant_id: int) -> str:
    """The extra tag of a message about one variant's stock."""
    return f"variant-{variant_id}"


@register.filter
def about_variant(messages, variant) -> list:
    """The messages about ``variant``: the page jumps to it after a stock change,
    so they are shown there too, not only at the top."""
    tag = variant_tag(variant.pk)
    return [message for message in messages if message.extra_tags == tag]
