"""The dummy gateway's page, where the buyer picks the outcome (no money moves)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shop.orders.ownership import can_view_order
from shop.payments import services
from shop.payments.buyer_messages import announce_outcome
from shop.payments.models import Payment


@require_http_methods(["GET", "POST"])
def dummy_payment(request, payment_id: int):
    """The dummy gateway's page: the buyer chooses whether the payment succeeds."""
    if settings.PRODUCTION:
        raise Http404  # the URL is not even routed there; this holds if it ever is
    payment = get_object_or_404(
        Payment.objects.select_related("order"), pk=payment_id, gateway="dummy"
    )
    if not can_view_order(request, payment.order):
        raise Http404
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        if request.POST.get("outcome") == "succeed":
            payment = services.payment_succeeded(
                payment_id=payment.pk,
                amount_fen=payment.amount_fen,
                external_id=f"dummy_{payment.pk}",
            )
            announce_outcome(request, payment)
        else:
            services.payment_failed(payment_id=payment.pk, message="declined on the dummy page")
            messages.error(request, _("付款未成功，您可以重新付款。"))
        return redirect("order_detail", payment.order.number)
    return render(request, "shop/payments/dummy.html", {"payment": payment, "order": payment.order})
