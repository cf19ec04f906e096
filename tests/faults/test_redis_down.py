"""Redis is down (cache and broker alike): the shop still sells. Pages render without
the cache, an order is placed and paid, and the e-mail its payment queues is sent from
the web process instead of being lost. /healthz says what is broken."""

import pytest
from django.core import mail

from config.celery import app
from config.env import cache_from_url
from messaging.models import OutboundMessage
from messaging.tasks import relay_due_messages
from shop.orders.models import Order
from tests.faults.conftest import closed_port
from tests.shop.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch, settings) -> str:
    """CACHE_URL and CELERY_BROKER_URL name a Redis that refuses every connection."""
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("CACHE_URL", dead)
    settings.CACHES = {"default": cache_from_url("CACHE_URL")}
    # Celery reads the CELERY_BROKER_URL variable before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    monkeypatch.setitem(app.conf, "broker_url", dead)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    # The app keeps its connections: start with none, so they are made to the dead Redis.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    return dead


def test_the_shop_sells_with_redis_down(
    client, two_producers, redis_down, django_capture_on_commit_callbacks
):
    tomato, _bag = two_producers
    for url in ("/", tomato.product.url, "/search/?q=番茄", "/categories/"):
        assert client.get(url).status_code == 200, url
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    checkout = client.post("/checkout/", ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout["Location"], {"outcome": "succeed"}, follow=True)

    order = Order.objects.get()
    assert paid.status_code == 200
    assert order.status == Order.Status.PAID
    # The e-mail is owed in the database, waiting for the sweep, since the broker is
    # down; the sweep sends it once.
    key = f"order:{order.number}:paid:email:buyer@example.com"
    email = OutboundMessage.objects.get(key=key)
    assert email.status == OutboundMessage.Status.PENDING and mail.outbox == []
    relay_due_messages()
    email.refresh_from_db()
    assert email.status == OutboundMessage.Status.SENT
    assert [message.to for message in mail.outbox] == [["buyer@example.com"]]


def test_healthz_names_the_cache_and_the_broker(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("down: ")
    assert checks["broker"].startswith("down: ")


def test_a_price_changed_while_redis_was_down_shows_once_it_is_back(
    client, two_producers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The change's message to the cache (a new generation) is dropped while Redis is
    down; the pages stored before it are still there when it comes back. The generation
    counted in the database retires them."""
    tomato, _bag = two_producers
    up = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "faults"}
    settings.CACHES = {"default": up}
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_GENERATION_CHECK_SECONDS = 0
    url = tomato.product.url
    assert "¥39.80" in client.get(url).text
    assert "¥39.80" in client.get(url).text  # served from the cache

    monkeypatch.setenv("CACHE_URL", f"redis://127.0.0.1:{closed_port()}/0")
    settings.CACHES = {"default": cache_from_url("CACHE_URL")}
    tomato.price_fen = 4580
    with django_capture_on_commit_callbacks(execute=True):
        tomato.save()
    settings.CACHES = {"default": up}  # back, with what it held before

    page = client.get(url).text
    assert "¥45.80" in page
    assert "¥39.80" not in page
