from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("商城")

    def ready(self):
        from allauth.account.signals import login_code_rejected
        from django.contrib.auth.signals import user_logged_in

        from shop import (
            checks,  # noqa: F401  (registers the payment checks)
            events,
            source_strings,
        )
        from shop.accounts.lockout import on_login_code_rejected
        from shop.catalogue import images, page_cache
        from shop.invoicing.services import on_line_refunded
        from shop.orders import cart
        from shop.orders.cart import merge_cart_on_login

        user_logged_in.connect(merge_cart_on_login, dispatch_uid="shop.merge_cart_on_login")
        page_cache.connect_signals()
        source_strings.install()
        # The catalogue does not import the orders: the cart is handed to the page cache.
        page_cache.show_cart(
            count=cart.item_count,
            count_of_user=cart.item_count_of_user,
            session_key=cart.SESSION_KEY,
        )
        images.connect_signals()
        login_code_rejected.connect(
            on_login_code_rejected, dispatch_uid="shop.accounts.on_login_code_rejected"
        )
        # In the refund's transaction: an invoice that now says more than was
        # paid is flagged for a red-letter correction with the refund itself.
        events.line_refunded.connect(on_line_refunded, dispatch_uid="shop.invoicing.red_letters")
