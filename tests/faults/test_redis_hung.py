"""Redis hung, not down: it accepts connections and never answers (a stopped process,
a host whose replies are lost). Every call to it gives up within its socket timeout,
so /healthz says so at once and a buyer's payment returns its page instead of waiting
forever on the cache or the broker."""

import threading
import time
from collections.abc import Callable

import pytest
from celery.backends.redis import RedisBackend
from django.core import mail
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.celery import app
from config.env import cache_from_url
from messaging.models import OutboundMessage
from messaging.tasks import relay_due_messages
from shop.orders.models import Order
from tests.shop.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def hang_redis(monkeypatch, settings, hung_port) -> Callable[[], None]:
    """Points CACHE_URL, CELERY_BROKER_URL and the result backend at a Redis that never
    answers, when called."""

    def hang() -> None:
        hung = f"redis://127.0.0.1:{hung_port}/0"
        monkeypatch.setenv("CACHE_URL", hung)
        settings.CACHES = {"default": cache_from_url("CACHE_URL")}
        monkeypatch.setenv("CELERY_BROKER_URL", hung)
        monkeypatch.setitem(app.conf, "broker_url", hung)
        monkeypatch.setitem(app.conf, "result_backend", hung)
        monkeypatch.setattr(app, "_local", threading.local())  # where it keeps its backend
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        # The app keeps its connections: start with none, so they are made to the hung Redis.
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return hang


def test_healthz_answers_503_within_two_seconds(client, hang_redis):
    client.get("/healthz")  # the process's first request loads what it needs, Redis up
    hang_redis()

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("down: ")
    assert checks["broker"].startswith("down: ")
    assert elapsed < 2


def test_the_pay_request_returns_its_page(
    client, two_producers, hang_redis, settings, django_capture_on_commit_callbacks
):
    hang_redis()
    settings.PAGE_CACHE_SECONDS = 300  # every storefront page goes through the cache
    tomato, _bag = two_producers
    assert client.get(tomato.product.url).status_code == 200
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    checkout = client.post("/checkout/", ADDRESS)

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout["Location"], {"outcome": "succeed"}, follow=True)
    elapsed = time.monotonic() - started

    assert paid.status_code == 200
    assert Order.objects.get().status == Order.Status.PAID
    assert elapsed < 10
    # The e-mail is owed in the database; the sweep sends it once the broker answers.
    assert (
        OutboundMessage.objects.filter(
            channel="email", status=OutboundMessage.Status.PENDING
        ).count()
        == 1
    )
    relay_due_messages()
    assert [message.to for message in mail.outbox] == [["buyer@example.com"]]


def test_the_result_store_gives_up(hang_redis, hung_port):
    hang_redis()
    store = RedisBackend(app=app, url=f"redis://127.0.0.1:{hung_port}/0")

    started = time.monotonic()
    with pytest.raises(RedisTimeoutError):
        store.get("celery-task-meta-x")
    assert time.monotonic() - started < 5
