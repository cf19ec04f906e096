from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidAccountingConfig(AppConfig):
    name = "aid_accounting"
    verbose_name = _("帮扶核算")

    def ready(self) -> None:
        # The one place the shop's announcements reach the aid ledger (DESIGN §3).
        from shop import events

        from . import accrual

        events.order_paid.connect(
            accrual.on_order_paid, dispatch_uid="aid_accounting.accrual.on_order_paid"
        )
        events.line_refunded.connect(
            accrual.on_line_refunded, dispatch_uid="aid_accounting.accrual.on_line_refunded"
        )
