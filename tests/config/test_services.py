"""The suite runs on the services it was given (CI runs it on SQLite, then PostgreSQL + Redis)."""

import os
import socket

import pytest
from django.db import connection

from config.celery import app as celery_app
from config.tasks import heartbeat


@pytest.mark.django_db
def test_runs_on_the_database_that_DATABASE_URL_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "pgsql")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_postgres_test_database_is_utf8():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database"
            " WHERE datname = current_database()"
        )
        encoding, ctype = cursor.fetchone()
    assert encoding == "UTF8"
    # A C ctype would make Chinese text useless to pg_trgm (research/ecosystem.md).
    assert ctype.lower().replace("-", "").endswith("utf8"), ctype


def test_tasks_run_eagerly_only_without_a_broker(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is not bool(os.environ.get("CELERY_BROKER_URL"))


def test_tests_run_tasks_inline_whatever_the_broker():
    assert heartbeat.delay().get()["pid"] == os.getpid()


def test_the_celery_app_knows_the_heartbeat_task():
    celery_app.loader.import_default_modules()
    assert "config.tasks.heartbeat" in celery_app.tasks


@pytest.mark.worker
def test_a_real_worker_process_runs_tasks(celery_worker):
    result = heartbeat.delay().get(timeout=30)

    assert result["pid"] == celery_worker.pid
    assert result["pid"] != os.getpid()
    assert result["hostname"] == socket.gethostname()
