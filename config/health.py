"""``/healthz``: the state of the database, the cache and the Celery broker, as JSON.

For staff (``core.roles.is_staff_member``) it also tries every encrypted value
with the configured keys ("encryption"): a key removed too early shows here,
not when a payout needs an account number. Anyone else gets the same answer as
before, which says nothing about the keys."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from aid_accounting.households.encryption import survey_encrypted_values
from config.celery import app as celery_app
from core.roles import is_staff_member


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
        # No retry: a health probe must answer fast, even when the broker is down or hung
        # (each try waits up to CELERY_BROKER_TRANSPORT_OPTIONS' socket timeout).
        conn.ensure_connection(max_retries=0, interval_start=0, timeout=2)
    return "ok"


def _encryption() -> str:
    survey = survey_encrypted_values()
    if survey.unreadable:
        raise RuntimeError(
            f"{survey.unreadable} of {survey.values} encrypted value(s) unreadable with the "
            "configured keys"
        )
    return "ok"


def _asked_by_staff(request) -> bool:
    try:
        return is_staff_member(getattr(request, "user", None))
    except DatabaseError:
        # Who asks cannot be known with the database down; its check says so.
        return False


def _probe(name: str, check: Callable[[], str]) -> tuple[bool, str]:
    try:
        return True, check()
    except Exception as error:  # any failure means "down"; the reason is reported
        # The encryption check's own message (counts only) helps staff; the
        # others give their exception's type alone.
        reason = str(error) if name == "encryption" else type(error).__name__
        return False, f"down: {reason}"


@never_cache
def healthz(request):
    probes = [("database", _database), ("cache", _cache)]
    if _asked_by_staff(request):
        probes.append(("encryption", _encryption))
    # The broker is asked in a thread of its own meanwhile: a hung Redis then costs one
    # socket timeout for the cache and the broker together, not one after the other.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-broker") as pool:
        broker = pool.submit(_probe, "broker", _broker)
        results = {name: _probe(name, check) for name, check in probes}
        results["broker"] = broker.result()
    healthy = all(up for up, _ in results.values())
    checks = {name: text for name, (_, text) in results.items()}
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
