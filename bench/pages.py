"""Storefront pages against a bare Django page, served the same way in the same run.

Each page is requested through Django's full WSGI stack (middleware, sessions,
templates) by the test client, on the database the settings point at (run
`make seed` first). Prints median and 95th-percentile latency and SQL queries
per request; the bare page is the baseline for the ratio column.

    .venv/bin/python bench/pages.py [--requests 200]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402

from config.urls import urlpatterns as site_urlpatterns  # noqa: E402
from shop.models import ProductPage  # noqa: E402


def bare_page(request):
    return HttpResponse("<!DOCTYPE html><title>bare</title><p>bare Django page</p>")


urlpatterns = [path("__bare__/", bare_page), *site_urlpatterns]


def measure(client: Client, url: str, requests: int) -> tuple[float, float, int]:
    for _ in range(5):  # warm caches and lazy imports
        assert client.get(url).status_code == 200, url
    timings = []
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    product = ProductPage.objects.live().first()
    if product is None:
        sys.exit("No products: run `make seed` (or manage.py seed_demo) first.")
    pages = [
        ("bare Django page (baseline)", "/__bare__/"),
        ("home", "/"),
        ("producers index", "/producers/"),
        ("product page", product.url),
    ]
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
        client = Client()
        print(f"{connection.vendor}, {args.requests} requests per page, in-process WSGI")
        print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'× bare':>7} {'queries':>8}")
        baseline = None
        for name, url in pages:
            median, p95, queries = measure(client, url, args.requests)
            baseline = baseline or median
            print(f"{name:32} {median:10.2f} {p95:8.2f} {median / baseline:7.1f} {queries:8d}")


if __name__ == "__main__":
    main()
