from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidAccountingConfig(AppConfig):
    name = "aid_accounting"
    verbose_name = _("帮扶核算")

    def ready(self) -> None:
        # The one place the shop's announcements reach the aid ledger (DESIGN §3).
        from shop import events, page_cache

        from . import accrual
        from .models import AidPool, AidRule

        events.order_paid.connect(
            accrual.on_order_paid, dispatch_uid="aid_accounting.accrual.on_order_paid"
        )
        events.line_refunded.connect(
            accrual.on_line_refunded, dispatch_uid="aid_accounting.accrual.on_line_refunded"
        )
        # Product pages say where their aid goes: the rule, its pool's villages
        # and named households.
        page_cache.watch_model(AidRule)
        page_cache.watch_model(AidPool)
        page_cache.watch_relation(AidPool.villages.through)
        page_cache.watch_relation(AidPool.households.through)
