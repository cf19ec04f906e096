"""The Redis cache, failing open: with Redis down, every read is a miss and every write
is dropped, so pages are built from the database (slower) instead of failing with 500.

What the shop keeps in the cache can always be rebuilt: rendered pages, Wagtail's site
roots, counters. Nothing that must not be lost is written only to the cache (sessions
are in the database). A failure is logged at WARNING, and ``/healthz`` reports the
cache down (it reads back what it wrote).
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (ConnectionError, TimeoutError)


def _fail_open(method: Callable[..., Any], *, fallback: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except REDIS_DOWN as error:
            logger.warning(
                "Cache unavailable (%s: %s); going on without it", type(error).__name__, error
            )
            return fallback(*args, **kwargs)

    return call


def _default(key, default=None, *args, **kwargs):
    return default


class FailOpenRedisCache(RedisCache):
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
