"""How many objections (异议) visitors may send: per client address and per notice.

``check`` runs before an objection is stored; ``count_address`` after it is. The
per-notice count is read from the stored objections, so it holds when the cache is
down; the per-address count lives in the cache (fixed windows, like the SMS limits in
``messaging.sms.limits``), which fails open: with Redis down only the per-notice
limits hold."""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from aid_accounting.exceptions import ObjectionLimitReached
from aid_accounting.notices.models import Notice, NoticeObjection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def address_limits() -> list[Limit]:
    return [Limit(count, seconds) for count, seconds in settings.AID_OBJECTION_LIMITS_PER_ADDRESS]


def notice_limits() -> list[Limit]:
    return [Limit(count, seconds) for count, seconds in settings.AID_OBJECTION_LIMITS_PER_NOTICE]


def check(*, notice: Notice, client_address: str, now: datetime) -> None:
    """Raise ObjectionLimitReached if one more objection to ``notice`` from
    ``client_address`` would pass a limit (an empty address is not checked)."""
    for limit in notice_limits():
        times = list(
            NoticeObjection.objects.filter(
                notice=notice, created_at__gt=now - timedelta(seconds=limit.seconds)
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)[: limit.count]
        )
        if len(times) >= limit.count:
            # Free again once the oldest of the last ``count`` leaves the window.
            raise ObjectionLimitReached(
                _wait_message(times[-1] + timedelta(seconds=limit.seconds) - now)
            )
    if not client_address:
        return
    for limit in address_limits():
        if (cache.get(_address_key(client_address, limit, now)) or 0) >= limit.count:
            bucket_end = (math.floor(now.timestamp() / limit.seconds) + 1) * limit.seconds
            raise ObjectionLimitReached(
                _wait_message(timedelta(seconds=bucket_end - now.timestamp()))
            )


def count_address(client_address: str, *, now: datetime | None = None) -> None:
    """Count a stored objection against ``client_address``."""
    now = now or timezone.now()
    if not client_address:
        return
    for limit in address_limits():
        key = _address_key(client_address, limit, now)
        try:
            cache.add(key, 0, timeout=limit.seconds)
            cache.incr(key)
        except (ValueError, RedisError) as error:
            # Evicted, or Redis down: the per-notice limits, read from the database, hold.
            logger.warning("objection count for %s not kept: %s", client_address, error)


def _address_key(client_address: str, limit: Limit, now: datetime) -> str:
    bucket = math.floor(now.timestamp() / limit.seconds)
    return f"objection-limit:{client_address}:{limit.seconds}:{bucket}"


def _wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    if minutes <= 60:
        return ngettext(
            "异议提交太频繁，请 %(count)d 分钟后再试。",
            "异议提交太频繁，请 %(count)d 分钟后再试。",
            minutes,
        ) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext(
        "异议提交太频繁，请 %(count)d 小时后再试。",
        "异议提交太频繁，请 %(count)d 小时后再试。",
        hours,
    ) % {"count": hours}
