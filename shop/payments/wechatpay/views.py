"""The buyer's WeChat Pay pages: the Native QR code (desktop), the page H5 and
JSAPI come back to, and the JSAPI page inside WeChat, reached through WeChat's
OAuth for the buyer's openid.

A page never takes the buyer's word for a payment: it asks WeChat Pay
(``services.sync_payment``, 查单) or waits for the signed notification.
"""

import logging
import secrets

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shop.orders.models import Order
from shop.orders.ownership import can_view_order
from shop.payments import services
from shop.payments.buyer_messages import announce_outcome
from shop.payments.gateway import PaymentError
from shop.payments.models import Payment
from shop.payments.wechatpay import oauth

logger = logging.getLogger(__name__)

SESSION_OPENID = "wechatpay_openid"  # the buyer's openid for our appid: not secret, not personal
SESSION_OAUTH = "wechatpay_oauth"  # the OAuth round trip under way: its state and payment


def _gateway():
    # Imported here so that wechatpayv3 is loaded only where WeChat Pay is used.
    from shop.payments.wechatpay.gateway import WeChatPayGateway

    return WeChatPayGateway()


def _wechatpay_payment(request: HttpRequest, payment_id: int) -> Payment:
    payment = get_object_or_404(
        Payment.objects.select_related("order"), pk=payment_id, gateway="wechatpay"
    )
    if not can_view_order(request, payment.order):
        raise Http404
    return payment


def _payable(payment: Payment) -> bool:
    return (
        payment.status == Payment.Status.PENDING
        and payment.order.status == Order.Status.AWAITING_PAYMENT
    )


def _sync(request: HttpRequest, payment: Payment) -> Payment:
    """Ask WeChat Pay how the payment stands and record it."""
    try:
        return services.sync_payment(payment=payment)
    except PaymentError as error:
        messages.error(request, str(error))
        return payment


def _qr_svg(content: str) -> str:
    # Drawn here, as inline SVG: no image from elsewhere, nothing for the CSP to allow.
    code = segno.make(content, error="m")
    return code.svg_inline(scale=5, dark="#000", light="#fff", title=_("微信支付二维码"))


@require_http_methods(["GET", "POST"])
def wechatpay_native(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The QR code to scan with WeChat. It polls our status address and moves on
    once the notification is in; "我已完成付款" (POST) asks WeChat Pay at once."""
    payment = _wechatpay_payment(request, payment_id)
    if request.method == "POST":
        payment = _sync(request, payment)
        if payment.status == Payment.Status.PENDING:
            messages.info(
                request, _("还没有收到这笔付款。请用微信扫码付款后再点击“我已完成付款”。")
            )
            return redirect("wechatpay_native", payment.pk)
        announce_outcome(request, payment)
        return redirect("order_detail", payment.order.number)
    if not _payable(payment):
        return redirect("order_detail", payment.order.number)
    try:
        code_url = _gateway().code_url(payment=payment)
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("order_detail", payment.order.number)
    return render(
        request,
        "shop/payments/wechatpay_native.html",
        {
            "payment": payment,
            "order": payment.order,
            "qr_svg": mark_safe(_qr_svg(code_url)),  # segno's own markup, no input echoed
        },
    )


@require_GET
def wechatpay_status(request: HttpRequest, payment_id: int) -> JsonResponse:
    """What the QR page polls: our own record, so polling never calls WeChat Pay."""
    payment = _wechatpay_payment(request, payment_id)
    return JsonResponse({"status": payment.status})


@require_GET
def wechatpay_return(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Where H5's cashier sends the buyer back, and where the JSAPI and QR pages
    go once WeChat is done: ask WeChat Pay, tell the buyer the truth."""
    payment = _wechatpay_payment(request, payment_id)
    if payment.status == Payment.Status.PENDING:
        payment = _sync(request, payment)
    announce_outcome(request, payment)
    return redirect("order_detail", payment.order.number)


@require_GET
def wechatpay_jsapi(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Inside WeChat: get the buyer's openid (WeChat's OAuth, once a session),
    then the JSAPI prepay, whose signed parameters the page's script hands to
    WeChat's own WeixinJSBridge."""
    payment = _wechatpay_payment(request, payment_id)
    if not _payable(payment):
        return redirect("order_detail", payment.order.number)
    openid = request.session.get(SESSION_OPENID)
    if not openid:
        state = secrets.token_urlsafe(16)
        request.session[SESSION_OAUTH] = {"state": state, "payment": payment.pk}
        callback = request.build_absolute_uri(reverse("wechatpay_oauth"))
        return redirect(oauth.authorize_url(redirect_uri=callback, state=state))
    try:
        parameters = _gateway().jsapi_parameters(payment=payment, openid=openid)
    except PaymentError as error:
        # As when a start fails: the next click opens a new payment.
        services.payment_failed(payment_id=payment.pk, message=str(error))
        messages.error(request, str(error))
        return redirect("order_detail", payment.order.number)
    return render(
        request,
        "shop/payments/wechatpay_jsapi.html",
        {"payment": payment, "order": payment.order, "bridge": parameters},
    )


@require_GET
def wechatpay_oauth(request: HttpRequest) -> HttpResponse:
    """WeChat's OAuth comes back here with a code for the openid. The state must
    be the one this session sent, so nobody can plant their openid in it."""
    pending = request.session.pop(SESSION_OAUTH, None)
    if not isinstance(pending, dict) or request.GET.get("state") != pending.get("state"):
        raise Http404
    payment = _wechatpay_payment(request, pending["payment"])
    try:
        openid = oauth.openid_for(code=request.GET.get("code", ""))
    except oauth.OAuthError as error:
        logger.warning("WeChat OAuth for payment %s failed: %s", payment.pk, error)
        messages.error(request, _("无法取得您的微信身份，请在微信中重新打开订单页面付款。"))
        return redirect("order_detail", payment.order.number)
    request.session[SESSION_OPENID] = openid
    return redirect("wechatpay_jsapi", payment.pk)
