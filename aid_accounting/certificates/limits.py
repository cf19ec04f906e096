"""How often one address may open verification pages: each recomputes a
unit's year from the books and checks its periods' seals against the ledger.
Fixed windows in the cache, failing open (as ``notices.limits``): codes are
unguessable, so this only keeps one client from keeping the database busy."""

import logging
import math
from datetime import datetime

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PER_MINUTE = 30


def allow(client_address: str, *, now: datetime) -> bool:
    """Count one verification for ``client_address``; False past ``PER_MINUTE``."""
    if not client_address:
        return True
    key = f"certificate-verify:{client_address}:{math.floor(now.timestamp() / 60)}"
    try:
        cache.add(key, 0, timeout=60)
        return cache.incr(key) <= PER_MINUTE
    except (ValueError, RedisError) as error:
        logger.warning("certificate verification count for %s not kept: %s", client_address, error)
        return True
