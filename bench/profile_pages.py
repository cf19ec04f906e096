"""In-process cost of the storefront pages, and their profiles.

Requests each page many times through Django's test client, in production mode
(DEBUG off) on a PostgreSQL database holding the demo data (``--database``, seeded
by ``manage.py seed_demo``, as bench/pages.py's is), and prints the median
milliseconds per request of each, by ``--mode``: ``uncached`` (the default), every
cache off, the page cache too (``PAGE_CACHE_SECONDS=0``); ``signed-in``, as
bench/pages.py's signed-in buyer with two items in their cart, the page cache on
(their pages come from it, the personal parts filled in for them); ``cached``, an
anonymous visitor served from the page cache. With ``--profile`` it also saves a
pyinstrument profile of each page's requests as HTML under docs/profiles/ (linked
from docs/benchmarks.md).

    .venv/bin/python bench/profile_pages.py --database aid_shop_bench [--requests 200]
                                            [--mode uncached|signed-in|cached] [--profile]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, pages  # noqa: E402

PROFILES = ROOT / "docs" / "profiles"
MODES = ("uncached", "signed-in", "cached")

# Requests profiled per page, by mode: enough of a millisecond's samples each.
PROFILED_REQUESTS = {"uncached": 30, "signed-in": 300, "cached": 1000}


def production_env(*, database: str, cache_url: str, mode: str) -> dict[str, str]:
    """bench/pages.py's production mode, on ``database``: every cache of the shop's
    off (``uncached``), or the page cache on, as in production."""
    return {
        **pages.production_env(),
        "DATABASE_URL": f"{common.POSTGRES_SERVER}/{database}",
        "CACHE_URL": cache_url,
        "MEDIA_ROOT": f"/tmp/{database}-media",
        "PAGE_CACHE_SECONDS": "0" if mode == "uncached" else pages.CACHE_SECONDS,
        "PAYMENT_GATEWAYS": os.environ.get("PAYMENT_GATEWAYS") or "dummy",
    }


def storefront_pages() -> dict[str, str]:
    from shop.catalogue.models import ProductPage

    return {
        "home": "/",
        "category listing": "/categories/vegetables/",
        "product page": ProductPage.objects.live().get(slug="greenhouse-tomato").url,
        "search": "/search/?q=番茄",
    }


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend so far, when the server
    runs on this machine (/proc), else 0."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def per_request_ms(client, path: str, *, requests: int) -> tuple[float, float, float]:
    """The median wall-clock milliseconds of a request, and the mean CPU
    milliseconds a request of this process and of its PostgreSQL backend: CPU
    time is what the shared machine's load disturbs least."""
    times = []
    cpu_start, backend_start = time.process_time(), backend_cpu_seconds()
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    cpu = (time.process_time() - cpu_start) * 1000 / requests
    backend = (backend_cpu_seconds() - backend_start) * 1000 / requests
    return statistics.median(times), cpu, backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="aid_shop_bench")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="save pyinstrument HTML profiles")
    parser.add_argument("--pages", nargs="*", help="only these pages (by name)")
    parser.add_argument("--mode", choices=MODES, default=MODES[0], help="who asks, and the cache")
    args = parser.parse_args()

    os.environ.update(
        production_env(database=args.database, cache_url=args.cache_url, mode=args.mode)
    )
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest's names
    cache.clear()
    headers = {"cookie": pages.buyer_session()} if args.mode == "signed-in" else {}
    client = Client(headers=headers)
    paths = storefront_pages()
    for name, path in paths.items():
        if args.pages and name not in args.pages:
            continue
        for _ in range(3):  # warm up: renditions, Wagtail's site roots, compiled templates
            client.get(path)
        wall, cpu, backend = per_request_ms(client, path, requests=args.requests)
        print(
            f"{name:18} {wall:7.2f} ms a request (median of {args.requests}); CPU "
            f"{cpu:6.2f} ms in Django, {backend:5.2f} ms in PostgreSQL",
            flush=True,
        )
        if args.profile:
            from pyinstrument import Profiler

            # A millisecond's sampling, frames under 0.2 % dropped.
            profiler = Profiler(interval=0.001)
            with profiler:
                for _ in range(PROFILED_REQUESTS[args.mode]):
                    client.get(path)
            PROFILES.mkdir(parents=True, exist_ok=True)
            target = PROFILES / f"{args.mode}-{name.replace(' ', '-')}.html"
            target.write_text(profiler.output_html(), encoding="utf-8")
            common.shrink_profile_html(target)
            print(f"  profile: {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
