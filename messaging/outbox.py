"""Owing a message: a row in the caller's transaction, relayed once it commits.

Callers render the text and name a key that says why the message is owed; the
relay (``messaging.relay``) sends it. A message owed by a change that rolls back
is never written, so never sent; one owed twice under the same key is written once."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import IntegrityError, connection, transaction

from messaging.models import OutboundMessage
from messaging.sms.templates import SmsTemplate

_loading_history: ContextVar[bool] = ContextVar("loading_history", default=False)


@contextmanager
def loading_history() -> Iterator[None]:
    """Past events being loaded (the demo year): nobody is owed a message about them."""
    token = _loading_history.set(True)
    try:
        yield
    finally:
        _loading_history.reset(token)


def owe_email(*, key: str, to: str, subject: str, body: str) -> OutboundMessage | None:
    """The new row, or None if a message with this key is already owed."""
    return _owe(
        key=key, channel=OutboundMessage.Channel.EMAIL, recipient=to, subject=subject, body=body
    )


def owe_sms(
    *, key: str, phone: str, template: SmsTemplate, params: dict[str, str]
) -> OutboundMessage | None:
    """The new row, or None if a message with this key is already owed."""
    template.render(params)  # a missing parameter is the caller's bug: fail now, not at sending
    return _owe(
        key=key,
        channel=OutboundMessage.Channel.SMS,
        recipient=phone,
        sms_template=template.name,
        sms_params=dict(params),
    )


def _owe(*, key: str, **fields) -> OutboundMessage | None:
    if not connection.in_atomic_block:
        raise RuntimeError("a message is owed inside the transaction of the change that owes it")
    if _loading_history.get():
        return None
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(key=key, **fields)
    except IntegrityError:
        if OutboundMessage.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(lambda: _relay_soon(message.pk), robust=True)
    return message


def _relay_soon(message_id: int) -> None:
    from messaging.tasks import deliver_message

    deliver_message.delay(message_id)
