"""The township editors told when a buyer escalates an after-sales request:
they decide it (``actions.decide``) within ``AFTERSALES_EDITOR_DAYS``. By
e-mail, owed in the escalation's transaction (messaging.outbox), once per
request and editor. The buyer's and the producer's messages are in
shop/orders/notifications.py and producer_notices.py."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.roles import emails_of_holders
from messaging.outbox import is_loading_history, owe_email
from shop.aftersales.models import DECIDE_PERMISSION, AfterSalesRequest


def escalated(request: AfterSalesRequest, *, respond_by: str) -> int:
    """Owe each deciding editor an e-mail; returns how many were newly owed."""
    if is_loading_history():
        return 0
    context = {
        "request": request,
        "respond_by": respond_by,
        "link": settings.SITE_URL.rstrip("/")
        + reverse("shop_decide_aftersales", args=[request.pk]),
    }
    # Staff read the admin in Chinese.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("shop/email/aftersales_escalated_subject.txt", context).strip()
        body = render_to_string("shop/email/aftersales_escalated.txt", context)
    owed = [
        owe_email(
            key=f"aftersales:{request.pk}:escalated:email:{to}", to=to, subject=subject, body=body
        )
        for to in emails_of_holders(DECIDE_PERMISSION)
    ]
    return sum(message is not None for message in owed)
