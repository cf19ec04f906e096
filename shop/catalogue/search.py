"""Product search: selectors over Wagtail's search backend (see chinese_text.py)."""

from shop.catalogue.chinese_text import query_tokens
from shop.catalogue.models import ProductPage
from shop.catalogue.selectors import listed_products


def search_products(query: str):
    """Live products matching ``query``, best first; an empty query finds nothing."""
    tokens = query_tokens(query)
    if not tokens:
        return ProductPage.objects.none()
    # Relevance decides the order; the listing's joins and prefetches are kept.
    return listed_products().order_by().search(tokens, operator="and")
