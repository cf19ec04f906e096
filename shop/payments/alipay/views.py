"""The page Alipay sends the buyer back to (同步返回)."""

import logging

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from shop.orders.ownership import can_view_order
from shop.payments import services
from shop.payments.buyer_messages import announce_outcome
from shop.payments.models import Payment

logger = logging.getLogger(__name__)


@require_GET
def alipay_return(request, payment_id: int):
    """The buyer is back from Alipay's cashier. The query string is the buyer's to
    change, so it never pays anything, signed or not: Alipay is asked (查单) about a
    payment still pending, and the buyer told what it says."""
    # Imported here so that the SDK is loaded only where Alipay is used (as in get_gateway).
    from shop.payments.alipay.gateway import AlipayGateway

    payment = get_object_or_404(
        Payment.objects.select_related("order"), pk=payment_id, gateway="alipay"
    )
    if not can_view_order(request, payment.order):
        raise Http404
    if not AlipayGateway().return_is_signed(query=request.GET.dict()):
        logger.warning("Alipay return for payment %s carries no valid signature", payment.pk)
    if payment.status == Payment.Status.PENDING:
        try:
            payment = services.sync_payment(payment=payment)
        except services.PaymentError as error:
            # Alipay did not answer: its notification will settle it, and the buyer is told so.
            logger.warning("Alipay return for payment %s: no query: %s", payment.pk, error)
    announce_outcome(request, payment)
    return redirect("order_detail", payment.order.number)
