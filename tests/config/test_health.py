import pytest

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

# Nothing listens on port 1, so connecting is refused at once.
CLOSED = "redis://127.0.0.1:1/0"


def test_healthz_reports_each_service(client, monkeypatch, settings):
    # The suite runs tasks eagerly (tests/conftest.py); check the broker as configured.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", settings.CELERY_TASK_ALWAYS_EAGER)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "broker": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok",
        },
    }


def test_healthz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["cache"].startswith("down: ")
    assert body["checks"]["database"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    # Celery reads the CELERY_BROKER_URL variable before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED)
    monkeypatch.setitem(celery_app.conf, "broker_url", CLOSED)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"].startswith("down: ")
    assert body["checks"]["database"] == "ok"
