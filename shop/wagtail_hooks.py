"""Registers the shop's admin screens (``shop.admin``) with Wagtail."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import WorkflowMenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from core.admin_policies import ReadOnlyPolicy
from shop.admin import aftersales, api, invoices, statements
from shop.admin.views import (
    adjust_stock,
    offline_sale,
    record_payment,
    refund_order,
    refund_surplus_payment,
)
from shop.admin.viewsets import BuyingUnitViewSet, CatalogueGroup, OrderViewSet
from shop.catalogue.models import ProductPage, ProductVariant
from shop.invoicing.models import InvoiceRequest

# Before the viewset is registered, which would create a default policy.
register_permission_policy(InvoiceRequest, ReadOnlyPolicy(InvoiceRequest))
register_snippet(CatalogueGroup)
register_snippet(OrderViewSet)
register_snippet(BuyingUnitViewSet)
register_snippet(invoices.InvoiceRequestViewSet)
register_snippet(aftersales.AfterSalesViewSet)


@hooks.register("register_admin_urls")
def register_shop_admin_urls():
    return [
        path("stock/<int:variant_id>/", adjust_stock, name="shop_adjust_stock"),
        path("orders/<int:order_id>/refund/", refund_order, name="shop_refund_order"),
        path(
            "payments/<int:payment_id>/refund/",
            refund_surplus_payment,
            name="shop_refund_surplus_payment",
        ),
        path("orders/<int:order_id>/payment/", record_payment, name="shop_record_payment"),
        path("orders/offline-sale/", offline_sale, name="shop_offline_sale"),
        *statements.urls(),
        *invoices.urls(),
        *aftersales.urls(),
    ]


# After Wagtail's own hooks (order 0), so that these replace what they registered.
@hooks.register("construct_admin_api", order=1)
def choosable_media_only(router):
    api.register_endpoints(router)


@hooks.register("register_rich_text_features", order=1)
def no_document_links(features):
    """Documents are private: a link to one in a public page would lead buyers nowhere."""
    features.default_features.remove("document-link")


@hooks.register("register_admin_menu_item")
def register_statements_menu_item():
    return statements.menu_item()


@hooks.register("register_admin_menu_item")
def register_invoice_export_menu_item():
    return invoices.menu_item()


@hooks.register("register_admin_menu_item")
def register_aftersales_menu_item():
    return aftersales.menu_item()


@hooks.register("register_snippet_listing_buttons")
def stock_button(snippet, user, next_url=None):
    if isinstance(snippet, ProductVariant) and user.has_perm("shop.change_productvariant"):
        yield ListingButton(
            _("调整库存"), reverse("shop_adjust_stock", args=[snippet.pk]), priority=20
        )


@hooks.register("construct_page_action_menu")
def approve_first_for_products(menu_items, request, context):
    """A product waiting for approval: its editor's main button is "approve"
    (批准), not an entry under "更多动作" behind "save draft"."""
    if not isinstance(context.get("page"), ProductPage):
        return
    approve = next(
        (
            item
            for item in menu_items
            if isinstance(item, WorkflowMenuItem)
            and item.name == "approve"
            and not item.launch_modal
        ),
        None,
    )
    if approve is not None:
        menu_items.remove(approve)
        menu_items.insert(0, approve)
