"""The shop's screens in the Wagtail admin: the catalogue's snippets and the
orders, which staff read here and change only through the actions in
``shop.admin.views``. Registered in ``shop/wagtail_hooks.py``."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin_columns import YesNoColumn, YuanColumn
from core.admin_policies import ListersOnlyChooserViewSet
from shop.admin.forms import VariantForm
from shop.catalogue.models import Category, ProductCertificate, ProductVariant
from shop.institutions.models import BuyingUnit
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
    list_display = [
        "product",
        "name",
        YuanColumn("price_fen", label=_("价格"), sort_key="price_fen"),
        "stock",
        YesNoColumn(
            "is_active",
            label=ProductVariant._meta.get_field("is_active").verbose_name,
            sort_key="is_active",
        ),
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]
    # The model's panels, with the price typed in yuan (``VariantForm``).
    edit_handler = ObjectList(ProductVariant.panels, base_form_class=VariantForm)


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
    list_display = [
        "number",
        "status",
        "channel",
        YuanColumn("total_fen", label=_("应付金额"), sort_key="total_fen"),
        "created_at",
        YesNoColumn(
            "needs_review",
            label=Order._meta.get_field("needs_review").verbose_name,
            sort_key="needs_review",
        ),
    ]
    list_filter = ["status", "channel", "needs_review"]
    search_fields = ["number", "email"]
    form_fields = ["needs_review", "review_reason"]
    copy_view_enabled = False


class BuyingUnitViewSet(SnippetViewSet):
    """Staff register buying units and their members; a unit's manager adds
    and removes members on the account pages too."""

    model = BuyingUnit
    icon = "group"
    chooser_viewset_class = ListersOnlyChooserViewSet  # members are buyers
    menu_label = _("采购单位")
    menu_order = 160
    add_to_admin_menu = True
    list_display = [
        "name",
        "kind",
        "tax_number",
        YesNoColumn(
            "is_active",
            label=BuyingUnit._meta.get_field("is_active").verbose_name,
            sort_key="is_active",
        ),
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "tax_number"]
    copy_view_enabled = False
