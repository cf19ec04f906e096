from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.money import format_yuan, yuan_amount
from shop.admin.forms import (
    OfflinePaymentForm,
    OfflineSaleForm,
    RefundForm,
    StockAdjustmentForm,
    SurplusRefundForm,
)
from shop.catalogue.models import ProductVariant
from shop.orders import inventory
from shop.orders.checkout import CheckoutError, place_order
from shop.orders.models import Order
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment, Refund
from shop.payments.refunds import (
    RefundError,
    execute_refund,
    request_refund,
    request_surplus_refund,
)
from shop.payments.services import record_offline_payment


@permission_required("shop.change_productvariant", raise_exception=True)
def adjust_stock(request, variant_id: int):
    variant = get_object_or_404(ProductVariant.objects.select_related("product"), pk=variant_id)
    form = StockAdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stock = inventory.adjust(
                variant_id=variant.pk, delta=form.cleaned_data["delta"], actor=request.user
            )
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


def _inspect_url(order: Order) -> str:
    return reverse("wagtailsnippets_shop_order:inspect", args=[order.pk])


def _tell_refund_outcome(request, pending: Refund, success: str) -> None:
    """Send the refund to its gateway and say what came of it."""
    try:
        refund = execute_refund(refund_id=pending.pk)
    except PaymentError:
        messages.warning(
            request, _("退款已提交，支付平台暂未答复；系统会自动重试，结果见订单记录。")
        )
        return
    if refund.status == Refund.Status.SUCCEEDED:
        messages.success(request, success % {"amount": format_yuan(refund.amount_fen)})
    else:
        messages.error(request, _("支付渠道拒绝了这笔退款，请查看订单记录。"))


@permission_required("shop.refund_order", raise_exception=True)
def refund_order(request, order_id: int):
    order = get_object_or_404(Order, pk=order_id)
    form = RefundForm(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        line = form.cleaned_data["line"]
        try:
            pending = request_refund(
                order_id=order.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                line_id=line.pk if line else None,
                quantity=form.cleaned_data["quantity"] or 0,
            )
        except RefundError as error:
            form.add_error(None, str(error))
        else:
            _tell_refund_outcome(request, pending, _("退款成功：%(amount)s。"))
            return redirect(_inspect_url(order))
    return TemplateResponse(
        request, "shop/admin/order_form.html", {"order": order, "form": form, "title": _("退款")}
    )


@permission_required("shop.refund_order", raise_exception=True)
def refund_surplus_payment(request, payment_id: int):
    """Give back money that did not buy the order's goods (paid twice, paid after
    the order was cancelled, the wrong amount), through the gateway it came by."""
    payment = get_object_or_404(Payment.objects.select_related("order"), pk=payment_id)
    order = payment.order
    form = SurplusRefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pending = request_surplus_refund(
                payment_id=payment.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                amount_fen=form.cleaned_data["amount"],
            )
        except RefundError as error:
            form.add_error(None, str(error))
        else:
            _tell_refund_outcome(request, pending, _("已退还多收款项：%(amount)s。"))
            return redirect(_inspect_url(order))
    return TemplateResponse(
        request,
        "shop/admin/order_form.html",
        {
            "order": order,
            "form": form,
            "title": _("退还多收款项 %(amount)s") % {"amount": format_yuan(payment.amount_fen)},
        },
    )


@permission_required("shop.record_offline_payment", raise_exception=True)
def record_payment(request, order_id: int):
    order = get_object_or_404(Order, pk=order_id)
    form = OfflinePaymentForm(
        request.POST or None, initial={"amount": yuan_amount(order.total_fen, grouped=True)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_offline_payment(
                order_id=order.pk,
                amount_fen=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                actor=request.user,
                received_at=form.cleaned_data["received_at"],
            )
        except PaymentError as error:
            form.add_error(None, str(error))
        else:
            order.refresh_from_db()
            if order.needs_review:
                messages.warning(request, order.review_reason)
            else:
                messages.success(request, _("已登记收款，订单已付款。"))
            return redirect(_inspect_url(order))
    return TemplateResponse(
        request,
        "shop/admin/order_form.html",
        {"order": order, "form": form, "title": _("登记线下收款")},
    )


@permission_required("shop.record_offline_payment", raise_exception=True)
def offline_sale(request):
    form = OfflineSaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = place_order(
                items=data["items"],
                email=data["email"],
                address=form.shipping_address(),
                gateway="offline",
                channel=Order.Channel.OFFLINE,
                invoice_title=data["invoice_title"],
                tax_number=data["tax_number"],
            )
        except CheckoutError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if data["paid_now"]:
                record_offline_payment(
                    order_id=order.pk,
                    amount_fen=order.total_fen,
                    method=data["method"],
                    reference=data["reference"],
                    actor=request.user,
                )
            messages.success(request, _("线下订单 %(number)s 已登记。") % {"number": order.number})
            return redirect(_inspect_url(order))
    return TemplateResponse(
        request, "shop/admin/order_form.html", {"form": form, "title": _("登记线下销售")}
    )
