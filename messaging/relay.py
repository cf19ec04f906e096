"""Sending what the outbox owes: claim a row, send it, record the result.

A claim is committed before the send (status SENDING, with a lease until
``next_attempt_at``), so two relays never send the same row. A failed send
backs off and is tried again, up to ``OUTBOX_MAX_ATTEMPTS``; then the row is
FAILED and shows in the admin for staff."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from messaging.models import OutboundMessage
from messaging.sms import backends, templates

# Long enough for any provider call to finish or time out.
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after the n-th failed attempt, at most 6 hours."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


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
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING).update(
        status=OutboundMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        last_error="",
    )
    return True


def due_message_ids(*, limit: int = 500) -> list[int]:
    return list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(*, message_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id,
                status=OutboundMessage.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if message is None:
            return None
        message.status = OutboundMessage.Status.SENDING
        message.attempts += 1
        message.next_attempt_at = timezone.now() + LEASE
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
    return message


def _send(message: OutboundMessage) -> str:
    if message.channel == OutboundMessage.Channel.EMAIL:
        email = EmailMessage(
            message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient]
        )
        email.send()
        return email.extra_headers.get("Message-ID", "")
    receipt = backends.get_backend().send(
        phone=message.recipient,
        template=templates.get(message.sms_template),
        params=message.sms_params,
        reference=message.key,
    )
    return receipt.provider_id


def _record_failure(*, message: OutboundMessage, error: Exception) -> None:
    gave_up = getattr(error, "permanent", False) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING).update(
        status=OutboundMessage.Status.FAILED if gave_up else OutboundMessage.Status.PENDING,
        next_attempt_at=timezone.now() + backoff(message.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
