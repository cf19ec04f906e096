"""How many text messages a visitor can make the shop send: per number and per
client address.

Every SMS a visitor triggers (log-in and sign-up codes, order look-up codes) is
checked here first (``check``), owed under a ``visitor_key`` and counted for its
address (``count_address``). A refused request owes nothing, so sends nothing.
The per-number count is read from the outbox rows themselves (their key says a
visitor asked for them), so it holds when the cache is down; the per-address
count lives in the cache, which fails open: with Redis down only the per-number
limits hold."""

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from messaging.models import OutboundMessage

logger = logging.getLogger(__name__)

# Outbox keys of messages a visitor asked for start with this; the rest (order
# notices and so on) never count against a visitor.
KEY_PREFIX = "visitor-sms:"


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


class SmsLimitReached(Exception):
    """Too many messages asked for; ``message`` tells the visitor when to try again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def number_limits() -> list[Limit]:
    return [Limit(count, seconds) for count, seconds in settings.SMS_LIMITS_PER_NUMBER]


def address_limits() -> list[Limit]:
    return [Limit(count, seconds) for count, seconds in settings.SMS_LIMITS_PER_ADDRESS]


def visitor_key(*, purpose: str, phone: str, now: datetime | None = None) -> str:
    """The outbox key for a text a visitor asked for: these are the rows counted.
    Each request is its own message, so a random part keeps two requests apart."""
    now = now or timezone.now()
    return f"{KEY_PREFIX}{purpose}:{phone}:{now:%Y%m%d%H%M%S}:{secrets.token_hex(4)}"


def check(*, phone: str, client_ip: str, now: datetime | None = None) -> None:
    """Raise SmsLimitReached if one more text to ``phone`` asked from
    ``client_ip`` would pass a limit (an empty one is not checked)."""
    now = now or timezone.now()
    asked = OutboundMessage.objects.filter(
        channel=OutboundMessage.Channel.SMS, recipient=phone, key__startswith=KEY_PREFIX
    )
    for limit in number_limits() if phone else []:
        since = now - timedelta(seconds=limit.seconds)
        times = list(
            asked.filter(created_at__gt=since)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[: limit.count]
        )
        if len(times) >= limit.count:
            # Free again once the oldest of the last ``count`` leaves the window.
            raise SmsLimitReached(_wait_message(times[-1] + timedelta(seconds=limit.seconds) - now))
    if not client_ip:
        return
    for limit in address_limits():
        if (cache.get(_address_key(client_ip, limit, now)) or 0) >= limit.count:
            bucket_end = (math.floor(now.timestamp() / limit.seconds) + 1) * limit.seconds
            raise SmsLimitReached(_wait_message(timedelta(seconds=bucket_end - now.timestamp())))


def count_address(client_ip: str, *, now: datetime | None = None) -> None:
    """Count a request from ``client_ip`` that sent nothing (owe_visitor_sms
    counts the ones that send)."""
    now = now or timezone.now()
    if not client_ip:
        return
    for limit in address_limits():
        key = _address_key(client_ip, limit, now)
        try:
            cache.add(key, 0, timeout=limit.seconds)
            cache.incr(key)
        except (ValueError, RedisError) as error:
            # Gone (evicted, or Redis down and ``add`` failed open): the per-number
            # limits, read from the database, still hold.
            logger.warning("SMS address count for %s not kept: %s", client_ip, error)


def _address_key(client_ip: str, limit: Limit, now: datetime) -> str:
    # Fixed windows: the count for an address starts again at each window's end.
    bucket = math.floor(now.timestamp() / limit.seconds)
    return f"sms-limit:{client_ip}:{limit.seconds}:{bucket}"


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds <= 60:
        return ngettext(
            "短信发送太频繁，请 %(count)d 秒后再试。",
            "短信发送太频繁，请 %(count)d 秒后再试。",
            seconds,
        ) % {"count": seconds}
    if seconds <= 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "短信发送太频繁，请 %(count)d 分钟后再试。",
            "短信发送太频繁，请 %(count)d 分钟后再试。",
            minutes,
        ) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext(
        "短信已达今日上限，请 %(count)d 小时后再试。",
        "短信已达今日上限，请 %(count)d 小时后再试。",
        hours,
    ) % {"count": hours}
