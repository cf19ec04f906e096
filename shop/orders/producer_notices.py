"""Telling producers what to ship and by when: at payment (one message per paid
order), or in a morning digest for members who chose it (``MemberProfile.
daily_digest``), and a reminder when a parcel is close to its ship-by date.

Each active member of the producer is told: SMS to the mobile they log in with,
e-mail if their account has an address. Every message is owed in a transaction
(messaging.outbox) under a key that says why, so a replayed payment, a task run
twice or a second worker owes nothing more."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from messaging.outbox import is_loading_history, owe_email, owe_sms
from messaging.sms.templates import SmsTemplate
from producers.models import ProducerMembership
from shop.orders.fulfilment import DUE_SOON
from shop.orders.models import Order, Shipment
from shop.sms_templates import (
    AFTERSALES_NEW_SMS,
    AFTERSALES_PRODUCER_REMINDER_SMS,
    DIGEST_SMS,
    NEW_ORDER_SMS,
    REMINDER_SMS,
)

# An SMS parameter is short (providers cap each); the page behind the link has the rest.
ITEMS_MAX_CHARS = 30


@dataclass(frozen=True)
class Recipient:
    user_id: int
    mobile: str
    email: str
    daily_digest: bool


def order_paid(order: Order) -> None:
    """A just-paid order: each of its parcels' members told now, unless they
    chose the morning digest. Call in the payment's transaction, after
    ``fulfilment.set_ship_by``."""
    if is_loading_history():
        return
    for shipment in order.shipments.select_related("producer").prefetch_related("lines"):
        for recipient in recipients(producer_ids=[shipment.producer_id]):
            if not recipient.daily_digest:
                _tell(
                    recipient,
                    why=f"order:{order.number}:to-ship:{shipment.pk}",
                    template="producer_new_order",
                    sms=(NEW_ORDER_SMS, _shipment_params(shipment)),
                    context={"shipment": shipment},
                )


def send_digests(*, now: datetime | None = None) -> int:
    """Each digest member's open work, one message per member per day (the key
    holds the date); returns how many members were owed one."""
    today = timezone.localdate(now)
    owed = 0
    for recipient in digest_recipients():
        with transaction.atomic():
            shipments = list(
                open_shipments(
                    ProducerMembership.objects.filter(
                        user_id=recipient.user_id, producer__is_active=True
                    ).values("producer_id")
                )
            )
            if not shipments:
                continue
            earliest = min(shipment.ship_by or today for shipment in shipments)
            owed += _tell(
                recipient,
                why=f"digest:{today.isoformat()}:user-{recipient.user_id}",
                template="producer_daily_digest",
                sms=(
                    DIGEST_SMS,
                    {
                        "count": str(len(shipments)),
                        "items": _items(shipments),
                        "ship_by": _day(earliest),
                        "link": _portal_link(),
                    },
                ),
                context={"shipments": shipments, "today": today},
            )
    return owed


def send_ship_by_reminders(*, now: datetime | None = None) -> int:
    """Each parcel due by tomorrow and not yet sent, reminded once (paid before
    today: a parcel paid today was just announced); returns how many parcels."""
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, time()))
    due = open_shipments(None).filter(
        ship_by__lte=today + DUE_SOON, order__paid_at__lt=start_of_today
    )
    reminded = 0
    for shipment_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            shipment = (
                open_shipments(None).filter(pk=shipment_id).select_related("producer").first()
            )
            if shipment is None:
                continue  # sent meanwhile
            owed = [
                _tell(
                    recipient,
                    why=f"shipment:{shipment.pk}:ship-by-reminder",
                    template="producer_ship_by_reminder",
                    sms=(REMINDER_SMS, _shipment_params(shipment)),
                    context={"shipment": shipment, "overdue": shipment.ship_by < today},
                )
                for recipient in recipients(producer_ids=[shipment.producer_id])
            ]
            reminded += any(owed)
    return reminded


def aftersales_to_answer(
    *,
    producer_id: int,
    request_id: int,
    status: str,
    number: str,
    kind: str,
    respond_by: str,
    link: str,
    reminder: bool,
) -> int:
    """Each member of the producer told that an after-sales request (in
    ``status``) waits for them, or reminded of it before its deadline: once per
    request, step and purpose. Returns how many members were newly told."""
    if is_loading_history():
        return 0
    template = AFTERSALES_PRODUCER_REMINDER_SMS if reminder else AFTERSALES_NEW_SMS
    purpose = "reminder" if reminder else "to-answer"
    params = {"number": number, "respond_by": respond_by, "link": link}
    if not reminder:
        params["kind"] = kind
    return sum(
        _tell(
            recipient,
            why=f"aftersales:{request_id}:{status}:{purpose}",
            template=template.name,
            sms=(template, params),
            context={"number": number, "kind": kind, "respond_by": respond_by},
            link=link,
        )
        for recipient in recipients(producer_ids=[producer_id])
    )


def open_shipments(producer_ids: Iterable[int] | QuerySet | None) -> QuerySet[Shipment]:
    """Parcels of paid orders still to send (of these producers), the earliest due first."""
    shipments = Shipment.objects.filter(
        status=Shipment.Status.PENDING, order__status=Order.Status.PAID
    )
    if producer_ids is not None:
        shipments = shipments.filter(producer_id__in=producer_ids)
    return (
        shipments.select_related("order", "producer")
        .prefetch_related("lines")
        .order_by("ship_by", "order__paid_at", "pk")
    )


def recipients(*, producer_ids: Iterable[int]) -> list[Recipient]:
    """The active members of these active producers who can be reached."""
    memberships = ProducerMembership.objects.filter(
        producer_id__in=producer_ids, producer__is_active=True, user__is_active=True
    ).select_related("user__member_profile")
    found = {}
    for membership in memberships.order_by("user_id"):
        recipient = _recipient(membership.user)
        if recipient.mobile or recipient.email:
            found[recipient.user_id] = recipient
    return list(found.values())


def digest_recipients() -> list[Recipient]:
    users = {
        membership.user_id: membership.user
        for membership in ProducerMembership.objects.filter(
            producer__is_active=True,
            user__is_active=True,
            user__member_profile__daily_digest=True,
        ).select_related("user__member_profile")
    }
    return [_recipient(user) for _user_id, user in sorted(users.items())]


def _recipient(user: AbstractBaseUser) -> Recipient:
    profile = getattr(user, "member_profile", None)
    return Recipient(
        user_id=user.pk,
        mobile=profile.mobile if profile else "",
        email=user.email or "",
        daily_digest=bool(profile and profile.daily_digest),
    )


def _tell(
    recipient: Recipient,
    *,
    why: str,
    template: str,
    sms: tuple[SmsTemplate, dict[str, str]],
    context: dict,
    link: str = "",
) -> int:
    """Owe ``recipient`` an SMS and an e-mail (where they have each); 1 if
    anything new was owed, else 0."""
    owed = []
    if recipient.mobile:
        sms_template, params = sms
        owed.append(
            owe_sms(
                key=f"{why}:sms:{recipient.mobile}",
                phone=recipient.mobile,
                template=sms_template,
                params=params,
            )
        )
    if recipient.email:
        context = {**context, "link": link or _portal_link()}
        # Producers read Chinese: the portal has no other language for them.
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"shop/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"shop/email/{template}.txt", context)
        owed.append(
            owe_email(
                key=f"{why}:email:{recipient.email}",
                to=recipient.email,
                subject=subject,
                body=body,
            )
        )
    return int(any(message is not None for message in owed))


def _shipment_params(shipment: Shipment) -> dict[str, str]:
    return {
        "number": shipment.order.number,
        "items": _items([shipment]),
        "ship_by": _day(shipment.ship_by),
        "link": _portal_link(),
    }


def _items(shipments: Iterable[Shipment]) -> str:
    """ "番茄 5斤×2、土豆×1", cut short with "等" to fit an SMS parameter."""
    quantities: Counter[str] = Counter()
    for shipment in shipments:
        for line in shipment.lines.all():
            left = line.quantity - line.refunded_quantity
            if left > 0:
                quantities[f"{line.product_title} {line.variant_name}"] += left
    text = "、".join(f"{name}×{quantity}" for name, quantity in quantities.items())
    return text if len(text) <= ITEMS_MAX_CHARS else text[: ITEMS_MAX_CHARS - 1] + "等"


def _day(day: date | None) -> str:
    return f"{day.month}月{day.day}日" if day else ""


def _portal_link() -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:shipments')}"
