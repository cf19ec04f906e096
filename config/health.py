"""``/healthz``: the state of the database, the cache and the Celery broker, as JSON."""

import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)
    return "ok"


def _broker() -> str:
    if celery_app.conf.task_always_eager:
        return "eager"
    with celery_app.connection_for_write() as conn:
        # One quick retry: a health probe must answer fast, even when the broker is down.
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return "ok"


@never_cache
def healthz(request):
    checks = {}
    healthy = True
    for name, check in (("database", _database), ("cache", _cache), ("broker", _broker)):
        try:
            checks[name] = check()
        except Exception as error:  # any failure means "down"; the reason is reported
            checks[name] = f"down: {type(error).__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
