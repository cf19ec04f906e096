"""The bare Django page bench/pages.py measures the storefront against: one view
rendering a small template, no database, no middleware. The ceiling for any
Django page served the same way (gunicorn, the same workers, the same machine)."""

from pathlib import Path

SECRET_KEY = "bench-only-bare-page-key-not-used-for-anything-secret-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
DATABASES: dict = {}
USE_I18N = False
USE_TZ = True
