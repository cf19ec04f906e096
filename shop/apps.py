from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("商城")

    def ready(self):
        # notifications and producer_notices register their SMS templates on import:
        # messaging's production check and `manage.py sms_templates` list what is registered.
        from django.contrib.auth.signals import user_logged_in

        from shop import checks  # noqa: F401  (registers the payment checks)
        from shop.catalogue import page_cache
        from shop.orders import notifications, producer_notices  # noqa: F401  (SMS templates)
        from shop.orders.cart import merge_cart_on_login

        user_logged_in.connect(merge_cart_on_login, dispatch_uid="shop.merge_cart_on_login")
        page_cache.connect_signals()
