"""Product search: selectors over Wagtail's search backend (see chinese_text.py)."""

from .chinese_text import query_tokens
from .models import ProductPage


def search_products(query: str):
    """Live products matching ``query``, best first; an empty query finds nothing."""
    tokens = query_tokens(query)
    if not tokens:
        return ProductPage.objects.none()
    return ProductPage.objects.live().search(tokens, operator="and")
