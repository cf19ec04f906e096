from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import inventory
from .forms import StockAdjustmentForm
from .models import ProductVariant


@permission_required("shop.change_productvariant", raise_exception=True)
def adjust_stock(request, variant_id: int):
    variant = get_object_or_404(ProductVariant.objects.select_related("product"), pk=variant_id)
    form = StockAdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stock = inventory.adjust(variant_id=variant.pk, delta=form.cleaned_data["delta"])
        except inventory.OutOfStock:
            form.add_error("delta", _("库存不足，无法减少这么多。"))
        else:
            messages.success(
                request,
                _("“%(variant)s”库存已更新为 %(stock)s。") % {"variant": variant, "stock": stock},
            )
            return redirect("wagtailsnippets_shop_productvariant:list")
    return TemplateResponse(
        request, "shop/admin/adjust_stock.html", {"variant": variant, "form": form}
    )
