"""The panel at the top of a product's edit page in the admin: its approval
(审核) and what is sold, so an editor sees both without opening the workflow
actions ("更多动作") or the variants' own listing."""

from wagtail.admin.panels import Panel

from core.money import format_yuan
from shop.catalogue.approval import approval_of


class ProductOverviewPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "shop/admin/product_overview_panel.html"

        def is_shown(self) -> bool:
            # A product being added has no approval or variants yet.
            return self.instance is not None and self.instance.pk is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["approval"] = approval_of(self.instance)
            context["variants"] = [
                (variant, format_yuan(variant.price_fen))
                for variant in self.instance.variants.order_by("sort_order", "pk")
            ]
            return context
