"""How a page shows stock and sales: in bands, as a shop does ("仅剩 3 件", "已售 100+"),
so that a unit sold changes what a page shows (and retires its cached copies,
shop.catalogue.page_cache) only when it moves the figure across a band.

Stock: "已售罄" at 0, "仅剩 N 件" from 1 to ``LOW_STOCK``, nothing above (in stock).
Sales: nothing before the first, the count itself below 10, then the count rounded
down to its leading digit with a "+" (10+, 20+, ..., 100+, 200+, ..., 1000+), as
Taobao shows them.

It also keeps which products the page being rendered shows (``shows_products``),
for the page cache to retire the page when one of them changes.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.translation import gettext as _

LOW_STOCK = 5


def stock_band(stock: int) -> int:
    """The stock as the page shows it: the count up to ``LOW_STOCK``, one band above."""
    return min(stock, LOW_STOCK + 1)


def sold_band(units: int) -> int:
    """The units sold as the page shows them: exact below 10, else rounded down to
    the leading digit (12 -> 10, 345 -> 300)."""
    if units < 10:
        return max(units, 0)
    step = 10 ** (len(str(units)) - 1)
    return units // step * step


def sold_text(units: int) -> str:
    """ "已售 7", "已售 300+", or "" before the first sale."""
    band = sold_band(units)
    if not band:
        return ""
    if band < 10:
        return _("已售 %(count)s") % {"count": band}
    return _("已售 %(count)s+") % {"count": band}


# The products the page being rendered shows (None when nobody is collecting).
_products: ContextVar[set[int] | None] = ContextVar("shown_products", default=None)


def shows_products(product_ids: Iterable[int]) -> None:
    """The page being rendered shows these products (their cards, or the product's
    own page). Call it wherever a page shows a product's price, stock or sales."""
    products = _products.get()
    if products is not None:
        products.update(product_ids)


@contextmanager
def collecting() -> Iterator[set[int]]:
    """The products shown by what is rendered inside."""
    products: set[int] = set()
    token = _products.set(products)
    try:
        yield products
    finally:
        _products.reset(token)
