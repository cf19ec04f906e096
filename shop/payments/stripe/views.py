"""The Stripe payment page and the page Stripe sends the buyer back to."""

from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods

from shop.orders.models import Order
from shop.orders.ownership import can_view_order
from shop.payments import services
from shop.payments.buyer_messages import announce_outcome
from shop.payments.models import Payment
from shop.payments.payer import payer_from_request

METHOD_NAMES = {
    "card": gettext_lazy("银行卡"),
    "alipay": gettext_lazy("支付宝"),
    "wechat_pay": gettext_lazy("微信支付"),
}

# What Stripe.js needs on the card page (its Elements and 3-D Secure frames, its API),
# plus WeChat Pay's QR code, a data: image. No other page loads anything from Stripe.
STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
    "img-src": ["data:"],
}


def stripe_page_policy(policy: dict) -> dict:
    """``policy`` (SECURE_CSP) with Stripe's sources added; 'none' gives way to them."""
    extended = dict(policy)
    for directive, sources in STRIPE_SOURCES.items():
        kept = [source for source in policy.get(directive, ()) if source != "'none'"]
        extended[directive] = [*kept, *sources]
    return extended


def _stripe_payment(request, payment_id: int) -> Payment:
    payment = get_object_or_404(
        Payment.objects.select_related("order"), pk=payment_id, gateway="stripe"
    )
    if not can_view_order(request, payment.order):
        raise Http404
    return payment


@csp_override(stripe_page_policy(settings.SECURE_CSP))
@require_http_methods(["GET", "POST"])
def stripe_payment(request, payment_id: int):
    """Our Stripe payment page: the card form, or WeChat Pay's QR code. A POST
    switches to another method, which takes a new payment (the method of a
    PaymentIntent is fixed when we create it)."""
    # Imported here so that stripe is loaded only where Stripe is used (as in get_gateway).
    from shop.payments.stripe.gateway import StripeGateway

    payment = _stripe_payment(request, payment_id)
    order = payment.order
    if order.status != Order.Status.AWAITING_PAYMENT or payment.status == Payment.Status.SUCCEEDED:
        return redirect("order_detail", order.number)
    try:
        if request.method == "POST":
            _new, start = services.start_payment(
                order=order,
                gateway="stripe",
                method=request.POST.get("method", ""),
                payer=payer_from_request(request),
            )
            return redirect(start.redirect_url)
        page = StripeGateway().payment_page(payment=payment)
    except services.PaymentError as error:
        messages.error(request, str(error))
        return redirect("order_detail", order.number)
    if page.status in ("succeeded", "processing", "canceled"):
        # Nothing left to pay here: record what Stripe says (the webhook may be
        # late) and tell the buyer.
        announce_outcome(
            request, services.record_gateway_state(payment_id=payment.pk, state=page.state)
        )
        return redirect("order_detail", order.number)
    if page.redirect_url:  # Alipay: back to its authorisation page
        return redirect(page.redirect_url)
    template = "stripe_wechat.html" if payment.method == "wechat_pay" else "stripe_card.html"
    return render(
        request,
        f"shop/payments/{template}",
        {
            "payment": payment,
            "order": order,
            "page": page,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "other_methods": [
                (method, METHOD_NAMES[method])
                for method in StripeGateway.methods
                if method != payment.method
            ],
        },
    )


@require_GET
def stripe_return(request, payment_id: int):
    """Where the buyer lands after Alipay or the card form. Stripe is asked how
    the payment stands (查单), so the buyer sees the truth even when the webhook
    is late; the query string, which the buyer controls, is never believed."""
    payment = _stripe_payment(request, payment_id)
    # If Stripe does not answer, the buyer is told what we know; the webhook follows.
    with suppress(services.PaymentError):
        payment = services.sync_payment(payment=payment)
    announce_outcome(request, payment)
    return redirect("order_detail", payment.order.number)
