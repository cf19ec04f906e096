"""E-mails to buyers, sent by a Celery task after the change has committed."""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from shop.orders.models import Order, OrderEvent

KINDS = ("paid", "shipped", "refunded", "payment_not_honoured", "surplus_refunded")


def queue_order_email(order: Order, kind: str, key: str = "") -> None:
    """Send once the current transaction commits (never for a rolled-back change).
    ``key`` tells apart e-mails of the same kind (one per shipment, per refund)."""
    transaction.on_commit(partial(send_order_email.delay, order.pk, kind, key))


# Nobody reads its result: queueing it then never touches the result store, so it
# works with Redis down (config.celery.Task runs it in-process).
@shared_task(bind=True, ignore_result=True, max_retries=5, default_retry_delay=60)
def send_order_email(self, order_id: int, kind: str, key: str = "") -> bool:
    """Idempotent: an OrderEvent records the e-mail, so a retry never sends it twice."""
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    order = Order.objects.filter(pk=order_id).first()
    event_kind = f"email_{kind}:{key}" if key else f"email_{kind}"
    if order is None or order.events.filter(kind=event_kind).exists():
        return False
    context = {"order": order, "site_url": settings.WAGTAILADMIN_BASE_URL}
    with translation.override(order.language):
        subject = render_to_string(f"shop/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"shop/email/{kind}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.email])
    except OSError as error:
        raise self.retry(exc=error) from error
    OrderEvent.objects.create(order=order, kind=event_kind, note=order.email)
    return True
