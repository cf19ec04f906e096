"""The shop's pages in the producer portal (see producers/portal/base.py): the
producer's products and their stock, and the parcels it has to send.

Every object is looked up together with the producer the request acts for,
so another producer's id answers 404; every change is recorded with
``record_activity``. The rules live in shop.portal.products, shop.orders.inventory and
shop.orders.lifecycle; these views only handle forms and responses."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_fsm import TransitionNotAllowed

from producers.portal.base import portal_view, record_activity
from shop.catalogue.models import ProductPage, ProductVariant
from shop.orders import fulfilment, inventory, lifecycle
from shop.orders.models import Shipment
from shop.portal import products
from shop.portal.forms import (
    NewVariantFormSet,
    ProductForm,
    ShipForm,
    StockChangeForm,
    VariantForm,
    VariantFormSet,
)
from shop.templatetags.shop_portal import variant_tag

SHIPPED_PER_PAGE = 20


def _record(request, action: str, summary: str) -> None:
    record_activity(context=request.portal, user=request.user, action=action, summary=summary)


def _own_product(request, page_id: int) -> ProductPage:
    # By the page's own id, not pk (page_ptr): Django bounds-checks only the former,
    # and on SQLite an id past 2**63 in the URL would otherwise raise OverflowError.
    return get_object_or_404(ProductPage, id=page_id, producer=request.portal.producer)


def _own_variant(request, variant_id: int) -> ProductVariant:
    return get_object_or_404(
        ProductVariant.objects.select_related("product"),
        pk=variant_id,
        product__producer=request.portal.producer,
    )


def _own_shipment(request, shipment_id: int) -> Shipment:
    return get_object_or_404(
        Shipment.objects.select_related("order"),
        pk=shipment_id,
        producer=request.portal.producer,
    )


# Products -------------------------------------------------------------------


@portal_view
def product_list(request):
    rows = products.producer_products(request.portal.producer)
    return render(request, "shop/portal/products.html", {"rows": rows})


@portal_view
def product_new(request):
    return _product_form(request, page=None)


@portal_view
def product_edit(request, page_id: int):
    return _product_form(request, page=_own_product(request, page_id))


def _product_form(request, *, page: ProductPage | None):
    locked = page is not None and products.is_locked(page, request.user)
    draft = page.get_latest_revision_as_object() if page else None
    variants = list(page.variants.order_by("sort_order", "pk")) if page else []
    formset_class = VariantFormSet if page else NewVariantFormSet
    data = request.POST if request.method == "POST" and not locked else None
    form = ProductForm(
        data, request.FILES if data else None, initial=ProductForm.initial_for(draft)
    )
    formset = formset_class(
        data, prefix="variants", initial=[VariantForm.initial_for(v) for v in variants]
    )
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            saved = products.save_product_draft(
                producer=request.portal.producer,
                user=request.user,
                text=form.product_text(),
                variants=formset.rows(),
                photo=form.prepared_photo(),
                page=page,
            )
        except products.ListingError as error:
            form.add_error(None, str(error))
        else:
            _record(
                request,
                "product_saved",
                (_("修改商品“%(title)s”") if page else _("新建商品“%(title)s”"))
                % {"title": saved.title},
            )
            if request.POST.get("action") == "submit":
                return _submit(request, saved, just_saved=True)
            messages.success(request, _("已保存草稿。准备好了就提交审核，审核通过后才会上架。"))
            return redirect("portal:products")
    return render(
        request,
        "shop/portal/product_form.html",
        {"page": page, "draft": draft, "locked": locked, "form": form, "formset": formset},
    )


def _submit(request, page: ProductPage, *, just_saved: bool):
    try:
        products.submit_for_approval(page=page, user=request.user)
    except products.ListingError as error:
        refused = (
            _("已保存草稿，但还没有提交审核：%(reason)s")
            if just_saved
            else _("还没有提交审核：%(reason)s")
        )
        messages.warning(request, refused % {"reason": error})
        return redirect("portal:product_edit", page_id=page.pk)
    _record(request, "product_submitted", _("提交审核“%(title)s”") % {"title": page.title})
    messages.success(request, _("已提交审核。镇里审核通过后商品就会上架。"))
    return redirect("portal:products")


@portal_view
@require_POST
def product_submit(request, page_id: int):
    page = _own_product(request, page_id)
    return _submit(request, page.get_latest_revision_as_object(), just_saved=False)


# Stock ----------------------------------------------------------------------


def _back_to(variant: ProductVariant) -> str:
    return f"{reverse('portal:products')}#variant-{variant.pk}"


@portal_view
@require_POST
def variant_stock(request, variant_id: int):
    variant = _own_variant(request, variant_id)
    form = StockChangeForm(request.POST)
    tag = variant_tag(variant.pk)
    if not form.is_valid():
        messages.error(request, _("数量请填 1 到 100000 之间的整数。"), extra_tags=tag)
        return redirect(_back_to(variant))
    delta = form.delta()
    try:
        stock = inventory.adjust(variant_id=variant.pk, delta=delta, actor=request.user)
    except inventory.OutOfStock:
        variant.refresh_from_db(fields=["stock"])
        messages.error(
            request,
            _("“%(variant)s”只剩 %(stock)s %(unit)s，不能减 %(amount)s。库存没有改。")
            % {"variant": variant, "stock": variant.stock, "unit": variant.unit, "amount": -delta},
            extra_tags=tag,
        )
        return redirect(_back_to(variant))
    _record(
        request,
        "stock_adjusted",
        _("“%(variant)s”库存 %(delta)+d，现为 %(stock)s")
        % {"variant": variant, "delta": delta, "stock": stock},
    )
    messages.success(
        request,
        _("“%(variant)s”库存现在是 %(stock)s %(unit)s。")
        % {"variant": variant, "stock": stock, "unit": variant.unit},
        extra_tags=tag,
    )
    return redirect(_back_to(variant))


@portal_view
@require_http_methods(["GET", "POST"])
def variant_sold_out(request, variant_id: int):
    """GET asks first (售罄 zeroes the stock, and the button sits next to －),
    POST from that page does it: a confirmation that needs no JavaScript."""
    variant = _own_variant(request, variant_id)
    if request.method == "GET":
        return render(
            request,
            "shop/portal/sold_out_confirm.html",
            {"variant": variant, "back": _back_to(variant)},
        )
    inventory.mark_sold_out(variant_id=variant.pk, actor=request.user)
    _record(request, "stock_sold_out", _("“%(variant)s”标为售罄") % {"variant": variant})
    messages.success(
        request,
        _("“%(variant)s”已售罄，买家暂时买不到了。") % {"variant": variant},
        extra_tags=variant_tag(variant.pk),
    )
    return redirect(_back_to(variant))


# Shipments ------------------------------------------------------------------


@portal_view
def shipment_list(request):
    return _shipments_page(request)


def _shipments_page(request, *, failed: ShipForm | None = None, failed_id: int | None = None):
    producer = request.portal.producer
    to_send = list(fulfilment.shipments_to_send(producer))
    for shipment in to_send:
        shipment.ship_form = (
            failed if shipment.pk == failed_id else ShipForm(prefix=f"ship-{shipment.pk}")
        )
    on_the_way = Paginator(fulfilment.shipments_on_the_way(producer), SHIPPED_PER_PAGE)
    return render(
        request,
        "shop/portal/shipments.html",
        {
            "to_send": to_send,
            "on_the_way": on_the_way.get_page(request.GET.get("page")),
            "local_delivery": fulfilment.LOCAL_DELIVERY,
        },
    )


@portal_view
@require_POST
def shipment_ship(request, shipment_id: int):
    shipment = _own_shipment(request, shipment_id)
    form = ShipForm(request.POST, prefix=f"ship-{shipment.pk}")
    if not form.is_valid():
        return _shipments_page(request, failed=form, failed_id=shipment.pk)
    carrier, number = form.cleaned_data["carrier"], form.cleaned_data["tracking_number"]
    try:
        lifecycle.ship(
            shipment_id=shipment.pk, carrier=carrier, tracking_number=number, actor=request.user
        )
    except ValueError as error:
        messages.error(request, str(error))
    except TransitionNotAllowed:
        messages.error(request, _("这个包裹已经发过货了。"))
    else:
        _record(
            request,
            "shipment_shipped",
            _("订单 %(number)s 已发货：%(carrier)s %(tracking)s")
            % {"number": shipment.order.number, "carrier": carrier, "tracking": number},
        )
        messages.success(request, _("订单 %(number)s 已发货。") % {"number": shipment.order.number})
    return redirect("portal:shipments")


@portal_view
@require_POST
def shipment_deliver(request, shipment_id: int):
    shipment = _own_shipment(request, shipment_id)
    if shipment.carrier != fulfilment.LOCAL_DELIVERY:
        messages.error(request, _("只有本地配送（自己送到）的包裹在这里确认送达。"))
        return redirect("portal:shipments")
    try:
        lifecycle.deliver(shipment_id=shipment.pk, actor=request.user)
    except TransitionNotAllowed:
        messages.error(request, _("这个包裹还没发货，或者已经确认送达了。"))
    else:
        _record(
            request,
            "shipment_delivered",
            _("订单 %(number)s 已送达") % {"number": shipment.order.number},
        )
        messages.success(
            request, _("订单 %(number)s 已确认送达。") % {"number": shipment.order.number}
        )
    return redirect("portal:shipments")
