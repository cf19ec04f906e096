from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidAccountingConfig(AppConfig):
    name = "aid_accounting"
    verbose_name = _("帮扶核算")

    def ready(self) -> None:
        # The one place the shop's announcements reach the aid ledger (DESIGN §3).
        from django.db.models.signals import post_migrate, pre_migrate

        from aid_accounting.accrual import accrue
        from aid_accounting.certificates import fonts  # noqa: F401  (registers the font check)
        from aid_accounting.ledger import daily_totals
        from aid_accounting.rules.models import AidPool, AidRule
        from shop import events
        from shop.catalogue import page_cache

        events.order_paid.connect(
            accrue.on_order_paid, dispatch_uid="aid_accounting.accrual.accrue.on_order_paid"
        )
        events.line_refunded.connect(
            accrue.on_line_refunded, dispatch_uid="aid_accounting.accrual.accrue.on_line_refunded"
        )
        # Product pages say where their aid goes: the rule, its pool's villages
        # and named households.
        page_cache.watch_model(AidRule)
        page_cache.watch_model(AidPool)
        page_cache.watch_relation(AidPool.villages.through)
        page_cache.watch_relation(AidPool.households.through)
        # Sent once per migrate run for this app (sender), before and after it.
        pre_migrate.connect(
            daily_totals.off_while_migrating,
            sender=self,
            dispatch_uid="aid_accounting.ledger.daily_totals.off_while_migrating",
        )
        post_migrate.connect(
            daily_totals.on_after_migrating,
            sender=self,
            dispatch_uid="aid_accounting.ledger.daily_totals.on_after_migrating",
        )
