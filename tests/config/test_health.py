import pytest
from cryptography.fernet import Fernet

from config.celery import app as celery_app
from core.roles import AID_OFFICER, AUDITOR
from tests.aid_accounting.factories import HouseholdFactory
from tests.factories import UserFactory
from tests.township import add_staff

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


@pytest.fixture
def lost_key(settings):
    """Every household value was written with a key that is no longer configured."""
    HouseholdFactory()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]


def test_healthz_tells_staff_whether_every_encrypted_value_is_readable(client, db):
    HouseholdFactory()
    client.force_login(add_staff(AUDITOR))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["encryption"] == "ok"


def test_healthz_is_503_for_staff_when_a_key_is_missing(client, lost_key):
    client.force_login(add_staff(AID_OFFICER))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["encryption"] == (
        "down: 4 of 4 encrypted value(s) unreadable with the configured keys"
    )


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_healthz_tells_anyone_else_nothing_about_the_keys(client, lost_key, who):
    if who == "buyer":
        client.force_login(UserFactory())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "cache", "broker"}
