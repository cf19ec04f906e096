"""What the buyer is told when they come back from paying, the same for every
gateway: the truth about the payment, including money we could not accept."""

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shop.payments.models import Payment


def announce_outcome(request: HttpRequest, payment: Payment) -> None:
    if payment.status == Payment.Status.SUCCEEDED and payment.surplus:
        messages.warning(
            request,
            _(
                "我们收到了您的付款，但这笔钱不能用于此订单（订单已取消、已付过款或金额不符）。"
                "款项将原路退回，退款完成后会通知您。"
            ),
        )
    elif payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("付款成功，感谢您的支持！"))
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, _("付款未成功，您可以重新付款。"))
    else:
        messages.info(request, _("付款已提交，确认到账后订单状态会自动更新。"))
