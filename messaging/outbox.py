"""Owing a message: a row in the caller's transaction, relayed once it commits.

Callers render the text and name a key that says why the message is owed; the
relay (``messaging.relay``) sends it. A message owed by a change that rolls back
is never written, so never sent; one owed twice under the same key is written once."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core.roles import Actor, require_permission
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


def is_loading_history() -> bool:
    """Whether messages owed now are dropped (``loading_history``): callers may skip
    composing them, which costs more than dropping them (a year of demo orders)."""
    return _loading_history.get()


logger = logging.getLogger(__name__)

RETRY_PERMISSION = "messaging.retry_outboundmessage"


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


def retry(*, message_id: int, actor: Actor) -> OutboundMessage:
    """Staff send a failed message again (after fixing its cause): pending, due now,
    with a fresh count of attempts. A message that is not FAILED is left alone."""
    require_permission(actor, RETRY_PERMISSION, message=_("只有工作人员可以重发消息。"))
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status != OutboundMessage.Status.FAILED:
            return message
        message.status = OutboundMessage.Status.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        relay_on_commit(message.pk)
    return message


def _owe(*, key: str, **fields) -> OutboundMessage | None:
    if not connection.in_atomic_block:
        raise RuntimeError("a message is owed inside the transaction of the change that owes it")
    if is_loading_history():
        return None
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(key=key, **fields)
    except IntegrityError:
        if OutboundMessage.objects.filter(key=key).exists():
            return None
        raise
    relay_on_commit(message.pk)
    return message


def relay_on_commit(message_id: int) -> None:
    """Queue the message's relay once the transaction commits. Best effort: the row is
    the message, and the sweep (``relay_due_messages``) sends whatever this misses."""
    transaction.on_commit(lambda: _relay_soon(message_id), robust=True)


class BrokerPause:
    """After a failed publish, this process leaves the broker alone for a while: with
    Redis hung, every publish would wait out the socket timeout (a request owing five
    messages, five times), and the sweep sends the rows anyway."""

    seconds = 30.0
    until = 0.0

    @classmethod
    def active(cls) -> bool:
        return time.monotonic() < cls.until

    @classmethod
    def start(cls) -> None:
        cls.until = time.monotonic() + cls.seconds

    @classmethod
    def reset(cls) -> None:
        cls.until = 0.0


def _relay_soon(message_id: int) -> None:
    from messaging.tasks import deliver_message

    if BrokerPause.active():
        return
    try:
        # One try, bounded by the broker's connect and socket timeouts: a request
        # must not wait on a hung Redis, and the sweep is the retry.
        deliver_message.apply_async((message_id,), retry=False)
    except OperationalError as error:
        BrokerPause.start()
        logger.warning("Broker unavailable (%s): message %s left for the sweep", error, message_id)
