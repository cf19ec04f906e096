"""Product cards for listings (see shop/catalogue/cards.py): ``{% product_cards products as
cards %}``, then ``{% include "shop/includes/product_cards.html" %}``."""

from django import template

from shop.catalogue import cards

register = template.Library()


@register.simple_tag
def product_cards(products) -> list[cards.ProductCard]:
    return cards.product_cards(products)
