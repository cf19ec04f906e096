"""Product cards for listings, each rendered once per generation of the page cache.

A listing (home, category, village, producer, search) shows up to 24 cards, each a
photo rendition, a link, a price and two names: most of the page's rendering. With the
page cache on, each card's HTML is kept under the page cache's generation
(shop.page_cache), so the changes that retire cached pages retire the cards too, and a
listing rendered for a signed-in buyer, another sort or another page reuses the cards
already rendered: one round trip to the cache for all of them.
"""

from django import template
from django.template.context import Context
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from shop import page_cache

register = template.Library()

CARD_TEMPLATE = "shop/includes/product_card.html"


def _render_card(card_template, *, product, request) -> SafeString:
    return card_template.render(Context({"product": product, "request": request}))


@register.simple_tag(takes_context=True)
def product_cards(context, products) -> list[SafeString]:
    """The cards of ``products``, in their order: ``{% product_cards products as
    cards %}{% for card in cards %}{{ card }}{% endfor %}``."""
    request = context.get("request")
    # Before the products are read: a card rendered from data older than a change
    # is stored under the generation that change retires.
    generation = page_cache.request_generation(request)
    products = list(products)
    card_template = get_template(CARD_TEMPLATE).template
    if generation is None or not products:
        return [_render_card(card_template, product=p, request=request) for p in products]
    names = [f"product-card:{product.pk}" for product in products]
    stored = page_cache.cached_fragments(request=request, generation=generation, names=names)
    cards, new = [], {}
    for product, name in zip(products, names, strict=True):
        html = stored.get(name)
        if html is None:
            html = new[name] = str(_render_card(card_template, product=product, request=request))
        cards.append(mark_safe(html))
    if new:
        page_cache.store_fragments(request=request, generation=generation, fragments=new)
    return cards
