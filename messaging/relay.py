"""Sending what the outbox owes: claim a row, send it, record the result.

A claim is committed before the send (status SENDING, with a lease until
``next_attempt_at``), so two relays never send the same row. The result is
recorded in its own short transaction right after the provider answers. A
failed send backs off and is tried again, up to ``OUTBOX_MAX_ATTEMPTS``; then
the row is FAILED and shows in the admin for staff, who may retry it
(``outbox.retry``).

A row still SENDING after its lease belongs to a relay that died (a worker
killed, a machine lost) before recording the outcome: the sweep claims it again
and sends it with the same reference (e-mail Message-ID, SMS reference), because
a message that was never accepted must still go out. Only a death in the moment
between the provider's acceptance and our record makes that a second copy
(docs/messages.md, "Delivery guarantee")."""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.models import OutboundMessage
from messaging.sms import backends, templates


def lease() -> timedelta:
    """How long a claim holds a row. Longer than any provider call can take (the SMTP
    and SMS clients time out well before), or a slow send would be taken over."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after the n-th failed attempt, at most 6 hours."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


def message_id_for(key: str) -> str:
    """The e-mail's Message-ID, the same for every attempt at one key: a copy sent
    again after an unknown outcome is recognisably the same message."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<outbox.{digest}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def deliver(*, message_id: int) -> bool:
    """Send one owed message if it is due and nobody else holds it; True if sent now."""
    message = _claim(message_id=message_id)
    if message is None:
        return False
    try:
        provider_id = _send(message)
    except (OSError, backends.SmsError) as error:
        _record_failure(message=message, error=error)
        return False
    _held(message).update(
        status=OutboundMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        last_error="",
    )
    return True


def _due() -> Q:
    """Pending and due, or claimed by a relay whose lease ran out."""
    now = timezone.now()
    return Q(status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboundMessage.Status.SENDING, next_attempt_at__lte=now
    )


def due_message_ids(*, limit: int = 500) -> list[int]:
    return list(
        OutboundMessage.objects.filter(_due())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(*, message_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(), pk=message_id)
            .first()
        )
        if message is None:
            return None
        if message.status == OutboundMessage.Status.SENDING:
            # Its relay died after claiming it: whether the provider accepted it is
            # unknown, so it goes again under the same reference (see the module doc).
            message.last_error = (
                f"attempt {message.attempts} stopped before its outcome was recorded: "
                "sent again under the same reference"
            )
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                # A message whose every relay dies (one that kills the worker) stops here.
                message.status = OutboundMessage.Status.FAILED
                message.last_error = (
                    f"attempt {message.attempts} stopped before its outcome was recorded: given up"
                )
                message.save(update_fields=["status", "last_error"])
                return None
        message.status = OutboundMessage.Status.SENDING
        message.attempts += 1
        message.next_attempt_at = timezone.now() + lease()
        message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    return message


def _held(message: OutboundMessage):
    """The row while this claim still holds it: a relay whose lease ran out and was
    claimed again (attempts moved on) records nothing over the newer claim."""
    return OutboundMessage.objects.filter(
        pk=message.pk, status=OutboundMessage.Status.SENDING, attempts=message.attempts
    )


def _send(message: OutboundMessage) -> str:
    if message.channel == OutboundMessage.Channel.EMAIL:
        message_id = message_id_for(message.key)
        email = EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
            headers={"Message-ID": message_id},
        )
        email.send()
        return message_id
    receipt = backends.get_backend().send(
        phone=message.recipient,
        template=templates.get(message.sms_template),
        params=message.sms_params,
        reference=message.key,
    )
    return receipt.provider_id


def _record_failure(*, message: OutboundMessage, error: Exception) -> None:
    gave_up = getattr(error, "permanent", False) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    _held(message).update(
        status=OutboundMessage.Status.FAILED if gave_up else OutboundMessage.Status.PENDING,
        next_attempt_at=timezone.now() + backoff(message.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
