"""Template helpers of the shop's producer-portal pages."""

from django import template

register = template.Library()


def variant_tag(variant_id: int) -> str:
    """The extra tag of a message about one variant's stock."""
    return f"variant-{variant_id}"


@register.filter
def about_variant(messages, variant) -> list:
    """The messages about ``variant``: the page jumps to it after a stock change,
    so they are shown there too, not only at the top."""
    tag = variant_tag(variant.pk)
    return [message for message in messages if message.extra_tags == tag]
