"""查订单: a guest finds an order again from any device with its number and the
order's mobile number. A code goes by SMS to the order's number, and only if both
match; the visitor is answered the same way either way, so the form cannot be
used to learn which numbers ordered what. The code is stored as a keyed hash,
lives five minutes and allows a few tries."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.mobile import normalize_mobile
from messaging.sms import limits
from shop.accounts import texts
from shop.accounts.models import OrderLookupCode
from shop.orders.models import Order
from shop.sms_templates import LOOKUP_CODE

VALID_FOR = timedelta(minutes=5)
MAX_ATTEMPTS = 5
_SALT = "shop.accounts.lookup"


def request_code(*, number: str, mobile: str, client_ip: str) -> None:
    """Text a code to the order's mobile if ``number`` and ``mobile`` match an
    order. Raises SmsLimitReached only for the per-address limit, which does
    not depend on the match; a number over its own limit is sent nothing, silently."""
    now = timezone.now()
    limits.check(phone="", client_ip=client_ip, now=now)
    with transaction.atomic():
        order = Order.objects.filter(
            number=number.strip().upper(), mobile=normalize_mobile(mobile)
        ).first()
        if order is None or _number_limited(order.mobile, now=now):
            limits.count_address(client_ip, now=now)
            return
        code = f"{secrets.randbelow(10**6):06d}"
        row = OrderLookupCode.objects.create(
            order=order, code_hash="", created_at=now, expires_at=now + VALID_FOR
        )
        row.code_hash = _hash(row.pk, code)
        row.save(update_fields=["code_hash"])
        texts.owe_visitor_sms(
            purpose="order_lookup",
            phone=order.mobile,
            ip=client_ip,
            template=LOOKUP_CODE,
            params={"order": order.number, "code": code},
        )


def confirm_code(*, number: str, code: str) -> Order | None:
    """The order, if ``code`` is the latest live code sent for it; None
    otherwise (the try is counted). A code opens the order once."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            OrderLookupCode.objects.select_for_update()
            .filter(order__number=number.strip().upper(), used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            return None
        if not constant_time_compare(row.code_hash, _hash(row.pk, code.strip())):
            OrderLookupCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            return None
        row.used_at = now
        row.save(update_fields=["used_at"])
        return row.order


def _number_limited(phone: str, *, now) -> bool:
    try:
        limits.check(phone=phone, client_ip="", now=now)
    except limits.SmsLimitReached:
        return True
    return False


def _hash(row_id: int, code: str) -> str:
    # Keyed with SECRET_KEY: six digits alone would be found from a copied table.
    return salted_hmac(_SALT, f"{row_id}:{code}", algorithm="sha256").hexdigest()
