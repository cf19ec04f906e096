"""Catalogue listings for templates of other apps (a producer's page lists its
products without the producers app importing the shop)."""

from django import template

from shop.catalogue import selectors

register = template.Library()


@register.simple_tag
def products_of(producer_page, sort: str = selectors.DEFAULT_SORT):
    return selectors.listed_products(sort=sort).filter(producer_id=producer_page.producer_id)


@register.simple_tag
def latest_products(count: int = 8):
    return selectors.listed_products()[:count]


@register.simple_tag
def valid_certificates(product):
    return selectors.valid_certificates(product=product)
