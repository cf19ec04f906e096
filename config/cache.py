"""The Redis cache, failing open: with Redis down, every read is a miss and every write
is dropped, so pages are built from the database (slower) instead of failing with 500.

What the shop keeps in the cache can always be rebuilt: rendered pages, Wagtail's site
roots, counters. Nothing that must not be lost is written only to the cache (sessions
are in the database). A failure is logged at WARNING, and ``/healthz`` reports the
cache down (it reads back what it wrote).

A Redis that accepts connections and never answers (hung, not down) costs a socket
timeout per call (``OPTIONS`` in ``config.env.cache_from_url``). After one failure the
cache is left alone for ``RESTING_SECONDS``, so a page that would ask it several times
waits once, not once per call.
"""

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (ConnectionError, TimeoutError)

RESTING_SECONDS = 2.0


def _fail_open(method: Callable[..., Any], *, fallback: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def call(self, *args, **kwargs):
        if time.monotonic() < self.resting_until:
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except REDIS_DOWN as error:
            self.resting_until = time.monotonic() + RESTING_SECONDS
            logger.warning(
                "Cache unavailable (%s: %s); going on without it for %s s",
                type(error).__name__,
                error,
                RESTING_SECONDS,
            )
            return fallback(*args, **kwargs)

    return call


def _default(key, default=None, *args, **kwargs):
    return default


class FailOpenRedisCache(RedisCache):
    # Per instance, so per process and thread (Django's caches are thread-local).
    resting_until = 0.0

    get = _fail_open(RedisCache.get, fallback=_default)
    get_many = _fail_open(RedisCache.get_many, fallback=lambda *args, **kwargs: {})
    has_key = _fail_open(RedisCache.has_key, fallback=lambda *args, **kwargs: False)
    # ``add`` reports "not stored" and ``touch`` "no such key", as for a missing key.
    add = _fail_open(RedisCache.add, fallback=lambda *args, **kwargs: False)
    touch = _fail_open(RedisCache.touch, fallback=lambda *args, **kwargs: False)
    set = _fail_open(RedisCache.set, fallback=lambda *args, **kwargs: None)
    # Keys not written are reported as such, as Django's cache API defines.
    set_many = _fail_open(RedisCache.set_many, fallback=lambda data, *args, **kwargs: list(data))
    delete = _fail_open(RedisCache.delete, fallback=lambda *args, **kwargs: False)
    delete_many = _fail_open(RedisCache.delete_many, fallback=lambda *args, **kwargs: None)
    clear = _fail_open(RedisCache.clear, fallback=lambda *args, **kwargs: False)
