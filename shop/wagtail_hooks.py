from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin_policies import ListersOnlyChooserViewSet
from shop.admin.views import adjust_stock, offline_sale, record_payment, refund_order
from shop.catalogue.models import Category, ProductCertificate, ProductVariant
from shop.orders.models import Order


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("分类")
    list_display = ["name", "parent", "return_policy", "return_window_days"]


class ProductVariantViewSet(SnippetViewSet):
    model = ProductVariant
    icon = "list-ul"
    menu_label = _("规格与库存")
    list_display = ["product", "name", "price_fen", "stock", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class ProductCertificateViewSet(SnippetViewSet):
    model = ProductCertificate
    icon = "success"
    menu_label = _("商品认定证书")
    list_display = ["product", "number", "issuing_body", "valid_from", "valid_to"]


class CatalogueGroup(SnippetViewSetGroup):
    items = (ProductVariantViewSet, CategoryViewSet, ProductCertificateViewSet)
    menu_icon = "list-ul"
    menu_label = _("商品目录")
    menu_name = "catalogue"


register_snippet(CatalogueGroup)


class OrderViewSet(SnippetViewSet):
    """Orders are read here; they change only through the order service's
    actions (refund, offline payment), never through a generic edit form."""

    model = Order
    icon = "form"
    chooser_viewset_class = ListersOnlyChooserViewSet  # buyers' orders
    menu_label = _("订单")
    menu_order = 150
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_template_name = "shop/admin/order_inspect.html"
    list_display = ["number", "status", "channel", "total_fen", "created_at", "needs_review"]
    list_filter = ["status", "channel", "needs_review"]
    search_fields = ["number", "email"]
    form_fields = ["needs_review", "review_reason"]
    copy_view_enabled = False


register_snippet(OrderViewSet)


@hooks.register("register_admin_urls")
def register_shop_admin_urls():
    return [
        path("stock/<int:variant_id>/", adjust_stock, name="shop_adjust_stock"),
        path("orders/<int:order_id>/refund/", refund_order, name="shop_refund_order"),
        path("orders/<int:order_id>/payment/", record_payment, name="shop_record_payment"),
        path("orders/offline-sale/", offline_sale, name="shop_offline_sale"),
    ]


@hooks.register("register_snippet_listing_buttons")
def stock_button(snippet, user, next_url=None):
    if isinstance(snippet, ProductVariant) and user.has_perm("shop.change_productvariant"):
        yield ListingButton(
            _("调整库存"), reverse("shop_adjust_stock", args=[snippet.pk]), priority=20
        )
