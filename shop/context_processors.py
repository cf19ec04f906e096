"""What the storefront's chrome (header, bottom tab bar) shows on every page."""

from functools import cached_property

from django.http import HttpRequest

from shop.orders import cart

# The bottom tab bar's tabs by the URL names of the pages under each.
CATEGORY_TAB_URL_NAMES = frozenset(
    {"category_list", "category_detail", "village_list", "village_detail"}
)


class CartBadge:
    """The cart's item count, counted only if a template shows it and then once
    per page, whichever of the header and the tab bar asks first."""

    def __init__(self, request: HttpRequest):
        self.request = request

    @cached_property
    def count(self) -> int:
        return cart.item_count(self.request)


def active_tab(request: HttpRequest) -> str:
    """Which tab of the bottom bar the page belongs to ("" for none)."""
    match = request.resolver_match
    if match is None:
        return ""
    if match.url_name == "wagtail_serve":
        # The home page is the one Wagtail page at the root of its language.
        return "home" if match.args and match.args[0] == "" else ""
    if match.url_name in CATEGORY_TAB_URL_NAMES:
        return "categories"
    if match.url_name == "cart":
        return "cart"
    # The buyer's own pages (account_orders...) and allauth's (account_login...).
    if (match.url_name or "").startswith("account_"):
        return "account"
    return ""


def chrome(request: HttpRequest) -> dict:
    """Template context processor. A page rendered for the page cache shows no cart
    badge of its own: its badges are personal parts (shop.catalogue.page_cache),
    counted per visitor, and only if the page shows one."""
    return {"cart_badge": CartBadge(request), "active_tab": active_tab(request)}
