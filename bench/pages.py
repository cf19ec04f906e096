"""Storefront pages against two bare pages, all served by gunicorn in the same run.

The shop runs in production mode (DEBUG off, WhiteNoise, Redis cache) on its own
PostgreSQL database, ``aid_shop_bench``: migrated, seeded with the demo township
(``manage.py seed_demo``) and topped up to 200 live products, published as the demo
publishes its own. Two bare pages, each one view rendering one small template, are
the baselines:

- the project's bare page (bench/project_bare/): inside the project, with the shop's
  settings, its whole middleware stack and its context processors, served as the
  shop is. The ceiling for any page of this project; the targets are shares of it.
- the Django ceiling (bench/bare/): minimal settings, no middleware, no database.

wrk loads them and each storefront page alternately, a second at a time, so all see
the same machine at the same moments. Each page is measured uncached (no cache of the
shop's at all), for a signed-in buyer with a cart, and for an anonymous visitor from the
page cache (shop.catalogue.page_cache), at rest and while orders flow.

    .venv/bin/python bench/pages.py [--seconds 10] [--connections 4]

One command, nothing else to set: it gives the shop what production mode requires
(``production_env``). ``BENCH_PAGES_DATABASE``, ``BENCH_CACHE_URL`` and
``BENCH_BROKER_URL`` choose another database, Redis cache or broker.

Prints the figures and writes them into docs/benchmarks.md (its bench:pages section,
keeping the notes written by hand between its ``<!-- notes -->`` markers).
"""

import argparse
import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, serving  # noqa: E402

DATABASE = os.environ.get("BENCH_PAGES_DATABASE", "aid_shop_bench")
PROJECT_BARE_PATH = "bench-bare/"  # bench/project_bare/urls.py
PRODUCTS = 200
CACHE_SECONDS = "300"
# The targets of issue #20, as shares of the bare Django page's requests per second.
UNCACHED_TARGETS = {"home": 0.05, "category listing": 0.08, "product page": 0.06}
SIGNED_IN_TARGETS = {"home": 0.20, "category listing": 0.20, "product page": 0.20, "search": 0.10}
CACHED_TARGET = 0.6
FLOWING_TARGET = 0.4
ORDERS_PER_SECOND = 10


@dataclass(frozen=True)
class Mode:
    name: str
    page_cache_seconds: str
    signed_in: bool  # the visitor sends a signed-in buyer's session cookie
    orders_flow: bool = False  # orders placed and paid in the background meanwhile


# Uncached: the page cache off. Signed in: the cache on, as in production, for a
# buyer with a cart. Cached: an anonymous visitor; then the same while orders flow.
UNCACHED = Mode("uncached", "0", signed_in=False)
SIGNED_IN = Mode("signed in", CACHE_SECONDS, signed_in=True)
CACHED = Mode("cached", CACHE_SECONDS, signed_in=False)
FLOWING = Mode("cached, orders flowing", CACHE_SECONDS, signed_in=False, orders_flow=True)
MODES = (UNCACHED, SIGNED_IN, CACHED, FLOWING)
BUYER = "bench-buyer"


@dataclass(frozen=True)
class Row:
    page: str
    mode: Mode
    load: serving.Load
    project_bare: serving.Load  # the project's bare page's run just before this one
    bare: serving.Load  # the Django ceiling's run just before that
    queries: int

    @property
    def project_ratio(self) -> float:
        """Over the project's bare page (the basis of issue #9; for reference)."""
        return self.load.requests_per_second / self.project_bare.requests_per_second

    @property
    def ratio(self) -> float:
        """Over the bare Django page: what the targets of issue #20 are set against."""
        return self.load.requests_per_second / self.bare.requests_per_second

    @property
    def target(self) -> float | None:
        if self.mode is FLOWING:
            return FLOWING_TARGET
        if self.mode is CACHED:
            return CACHED_TARGET
        if self.mode is SIGNED_IN:
            return SIGNED_IN_TARGETS.get(self.page)
        return UNCACHED_TARGETS.get(self.page)


def production_env() -> dict[str, str]:
    """The shop's environment in production mode, on the bench's database and cache."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # The development key: the bench's data is demo data, and every run (the
        # seeding ones in development mode too) must read what earlier runs wrote.
        "FIELD_ENCRYPTION_KEY": "Wm9uZ1dvcmtzLWRldi1vbmx5LWtleS0wMDAwMDAwMDA=",
        "DATABASE_URL": f"{common.POSTGRES_SERVER}/{DATABASE}",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/6"),
        "MEDIA_ROOT": f"/tmp/{DATABASE}-media",
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7"),
        # Plain HTTP on 127.0.0.1: no proxy in front to terminate TLS.
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # What production mode requires of the gateways and text messages to start, as
        # the start-up tests give it (tests/config/test_startup.py): nothing in the
        # bench pays through them or sends a text.
        "PAYMENT_GATEWAYS": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "SMS_BACKEND": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI5tBench",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "bench-secret",
    }


@contextmanager
def orders_flowing(env: dict[str, str]) -> Iterator[None]:
    """Orders placed and paid at ORDERS_PER_SECOND meanwhile (bench/order_flow.py),
    on the bench's database and cache, in development mode (its dummy gateway pays)."""
    flow = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "order_flow.py"),
            "--per-second",
            f"{ORDERS_PER_SECOND}",
        ],
        env=development_env(env),
    )
    try:
        yield
    finally:
        flow.send_signal(signal.SIGTERM)
        flow.wait(timeout=60)


# What production mode alone asks for: gone in development mode, where the dummy
# gateway pays (the demo's seeding and the order flow use it).
PRODUCTION_ONLY = (
    "PAYMENT_GATEWAYS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "SMS_BACKEND",
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_TEMPLATE_IDS",
)


def development_env(env: dict[str, str]) -> dict[str, str]:
    """The same database and cache in development mode."""
    return {
        **{name: value for name, value in env.items() if name not in PRODUCTION_ONLY},
        "DJANGO_DEBUG": "1",
    }


def with_sms_template_ids(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a stand-in provider id for each text message template, which
    production mode requires to start (messaging.E004), read from the shop itself."""
    names = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            "from messaging.sms import templates; "
            "print(','.join(template.name for template in templates.registered()))",
        ],
        env=development_env(env),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    return {**env, "SMS_TEMPLATE_IDS": ",".join(f"{name}=SMS_BENCH" for name in names.split(","))}


def ensure_database() -> None:
    """Create the bench database once; later runs reuse it (seeding is idempotent)."""
    import psycopg

    with psycopg.connect(f"{common.POSTGRES_SERVER}/postgres", autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if exists.fetchone() is None:
            server.execute(f"CREATE DATABASE \"{DATABASE}\" ENCODING 'UTF8' TEMPLATE template0")


def seed(env: dict[str, str]) -> None:
    # seed_demo refuses production mode (its passwords are public): it runs in
    # development mode, on the same database.
    manage = [sys.executable, str(ROOT / "manage.py")]
    # The deployment checks (each text message's id at the provider) are for a real
    # deployment, not the bench's stand-in keys.
    subprocess.run(
        [*manage, "migrate", "--noinput", "--skip-checks", "-v", "0"], env=env, check=True
    )
    subprocess.run([*manage, "seed_demo"], env=development_env(env), check=True)


def top_up_products(*, total: int) -> int:
    """Publish more products, copies of the demo's under the same producers, until
    ``total`` are live; returns how many were added."""
    from producers.models import ProducerPage
    from shop.catalogue.models import Category, ProductPage, ProductVariant
    from shop.demo.catalogue import PRODUCTS as DEMO_PRODUCTS
    from shop.demo.photos import photo_for

    specs = [spec for spec in DEMO_PRODUCTS if spec.live]
    producer_pages = {
        page.producer.code: page for page in ProducerPage.objects.select_related("producer")
    }
    categories = {category.slug: category for category in Category.objects.all()}
    live = ProductPage.objects.live().count()
    for number in range(live, total):
        spec = specs[number % len(specs)]
        product = ProductPage(
            title=f"{spec.title}（{number}号）",
            slug=f"bench-{number}",
            summary=spec.summary,
            category=categories[spec.category_slug],
            origin=spec.origin,
            image=photo_for(title=spec.title, slug=spec.slug, shape=spec.shape, colour=spec.colour),
            description=f"<p>{spec.summary}</p>",
        )
        producer_pages[spec.producer_code].add_child(instance=product)
        product.save_revision().publish()
        for order, (name, price_fen, unit, grams, stock) in enumerate(spec.variants):
            ProductVariant.objects.create(
                product=product,
                name=name,
                price_fen=price_fen,
                unit=unit,
                net_weight_grams=grams,
                stock=stock,
                sort_order=order,
            )
    return max(0, total - live)


def bench_pages() -> dict[str, str]:
    from shop.catalogue.models import ProductPage

    tomato = ProductPage.objects.live().get(slug="greenhouse-tomato")
    return {
        "home": "/",
        "category listing": "/categories/vegetables/",
        "product page": tomato.url,
        "search": "/search/?q=番茄",
    }


def buyer_session() -> str:
    """A session cookie of a signed-in buyer (in the bench's database, as a real one)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    buyer, _ = get_user_model().objects.get_or_create(
        username=BUYER, defaults={"email": f"{BUYER}@example.com"}
    )
    # With a cart, as a returning buyer has: its count is in their header.
    from shop.catalogue.models import ProductVariant
    from shop.orders import cart as carts
    from shop.orders.models import Cart

    cart, _ = Cart.objects.get_or_create(user=buyer)
    if not cart.lines.exists():
        variant = ProductVariant.objects.filter(is_active=True, stock__gt=0).first()
        carts.add_item(cart=cart, variant_id=variant.pk, quantity=2)
    client = Client()
    client.force_login(buyer)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(url: str, *, mode: Mode, cookie: str) -> int:
    """SQL queries for a request of the mode's visitor, after one to warm up
    (renditions are made on a page's first view; the caches store what they keep)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    headers = {"cookie": cookie} if mode.signed_in else {}
    with override_settings(PAGE_CACHE_SECONDS=int(mode.page_cache_seconds)):
        Client(headers=headers).get(url)
        with CaptureQueriesContext(connection) as captured:
            response = Client(headers=headers).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def load_pages(
    *, pages: dict[str, str], env: dict[str, str], mode: Mode, bare_url: str, cookie: str, args
) -> list[Row]:
    rows = []
    env = {**env, "PAGE_CACHE_SECONDS": mode.page_cache_seconds}
    project_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.project_bare.settings"}
    headers = {"Cookie": cookie} if mode.signed_in else None
    with (
        serving.gunicorn(app="config.wsgi:application", env=env) as base,
        serving.gunicorn(app="bench.project_bare.wsgi:application", env=project_env) as project,
        orders_flowing(env) if mode.orders_flow else nullcontext(),
    ):
        project_url = f"{project}/{PROJECT_BARE_PATH}"
        serving.wrk(project_url, seconds=1, connections=1, threads=1)
        for name, path in pages.items():
            url = base + quote(path, safe="/?=&")  # wrk sends the URL as given
            # Warm up: renditions are made on a page's first view, the caches fill.
            serving.wrk(url, seconds=1, connections=1, threads=1, headers=headers)
            bare, project_bare, load = alternately(
                [(bare_url, None), (project_url, None), (url, headers)],
                seconds=args.seconds,
                connections=args.connections,
            )
            bad = load.bad_responses + bare.bad_responses + project_bare.bad_responses
            if bad:
                sys.exit(f"{name}: {bad} bad responses (the page's and the bare pages')")
            queries = count_queries(path, mode=mode, cookie=cookie)
            row = Row(name, mode, load, project_bare, bare, queries)
            print_row(row)
            rows.append(row)
    return rows


def alternately(
    targets: list[tuple[str, dict[str, str] | None]], *, seconds: int, connections: int
) -> list[serving.Load]:
    """Load each (URL, headers) in turn one second at a time, ``seconds`` rounds, so
    that all see the machine's load as it comes and goes (it is shared); returns each
    one's load over its rounds: the mean requests/s, the median of the rounds' p50
    and p99."""
    rounds: list[list[serving.Load]] = [[] for _ in targets]
    for _ in range(seconds):
        for runs, (url, headers) in zip(rounds, targets, strict=True):
            runs.append(serving.wrk(url, seconds=1, connections=connections, headers=headers))
    return [
        serving.Load(
            requests_per_second=statistics.mean(run.requests_per_second for run in runs),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=statistics.median(run.p99_ms for run in runs),
            requests=sum(run.requests for run in runs),
            bad_responses=sum(run.bad_responses for run in runs),
        )
        for runs in rounds
    ]


def print_row(row: Row) -> None:
    target = f"≥ {row.target:.2f}" if row.target else ""
    print(
        f"{row.page:18} {row.mode.name:22} {row.load.requests_per_second:9.1f} "
        f"{row.load.p50_ms:8.1f} {row.load.p99_ms:8.1f} {row.ratio:9.2f} "
        f"{row.project_ratio:9.2f} {target:>7} "
        f"{row.queries:8d}   (bare: project {row.project_bare.requests_per_second:.0f}, "
        f"Django {row.bare.requests_per_second:.0f})",
        flush=True,
    )


def _baseline(label: str, loads: list[serving.Load], *, project: float, django: float) -> list:
    rate = statistics.median(load.requests_per_second for load in loads)
    return [
        label,
        "",
        f"{rate:.0f}",
        f"{statistics.median(load.p50_ms for load in loads):.1f}",
        f"{statistics.median(load.p99_ms for load in loads):.1f}",
        f"{rate / django:.2f}",
        f"{rate / project:.2f}",
        "",
        "",
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


NOTES_START, NOTES_END = "<!-- notes -->", "<!-- /notes -->"


def kept_notes() -> str:
    """The hand-written notes of the section as it stands, to write back unchanged."""
    text = common.BENCHMARKS_MD.read_text(encoding="utf-8")
    found = re.search(re.escape(NOTES_START) + r".*?" + re.escape(NOTES_END), text, re.DOTALL)
    return found[0] if found else f"{NOTES_START}\n{NOTES_END}"


def report(rows: list[Row], *, args, machine: str, load_before: str, load_after: str) -> str:
    project_rate = statistics.median(row.project_bare.requests_per_second for row in rows)
    django_rate = statistics.median(row.bare.requests_per_second for row in rows)
    table = [
        _baseline(
            "bare Django page (target basis)",
            [row.bare for row in rows],
            project=project_rate,
            django=django_rate,
        ),
        _baseline(
            "project's bare page (reference)",
            [row.project_bare for row in rows],
            project=project_rate,
            django=django_rate,
        ),
    ]
    for row in rows:
        met = "" if row.target is None else (" met" if row.ratio >= row.target else " missed")
        table.append(
            [
                row.page,
                row.mode.name,
                f"{row.load.requests_per_second:.0f}",
                f"{row.load.p50_ms:.1f}",
                f"{row.load.p99_ms:.1f}",
                f"{row.ratio:.2f}",
                f"{row.project_ratio:.2f}",
                f"≥ {row.target:.2f}{met}" if row.target else "",
                str(row.queries),
            ]
        )
    markdown = common.markdown_table(
        [
            "page",
            "",
            "req/s",
            "p50 ms",
            "p99 ms",
            "× Django bare",
            "× project bare",
            "target (× Django bare)",
            "queries",
        ],
        table,
        align="llrrrrrlr",
    )
    project_rates = [row.project_bare.requests_per_second for row in rows]
    django_rates = [row.bare.requests_per_second for row in rows]
    return f"""## Storefront pages against bare pages (`bench/pages.py`)

```sh
make bench                                   # everything, or only this:
.venv/bin/python bench/pages.py --seconds 10
```

The shop in production mode (DEBUG off, WhiteNoise, Redis cache and sessions, the
gateway and text-message settings production requires, never called) on PostgreSQL
(`{DATABASE}`: the demo township plus copies of its products, {PRODUCTS} live products),
each server gunicorn with 2 sync workers, against two baselines, each one view rendering
the same small template:

- **bare Django page** (`bench/bare/`): minimal settings, no middleware, no database. The
  ceiling for any Django page on this machine: **the targets of issue #20 are shares of
  it** ("× Django bare").
- **project's bare page** (`bench/project_bare/`): inside the project, with the shop's
  settings, its whole middleware stack and context processors, served by gunicorn as the
  shop is ("× project bare", the basis of issue #9, for reference).

wrk loads them alternately, one second each, {args.seconds} rounds a page with
{args.connections} connections: the Django page, the project's, the storefront page,
again, so that all three see the shared machine's load as it comes and goes; req/s is
the mean over the rounds, p50 and p99 the median of the rounds' (short rounds: read the
p99 as a rough tail). Each ratio is over the bare pages' rounds of the same page. Four
ways of serving each page:

- **uncached**: the page cache off (`PAGE_CACHE_SECONDS=0`); every page is rendered and
  queried for. Only what a running site always has is warm: the listing photos'
  renditions exist (made on a warm-up request) and Wagtail's site roots are in Redis.
- **signed in**: the cache on, as in production, for a signed-in buyer with two items
  in their cart (wrk sends their session cookie): the page body from the page cache,
  their header's account links and cart badge filled in for them by
  `shop.catalogue.page_cache.PageCacheMiddleware`, first in the stack, which reads their
  session from Redis and, in one query, their user, whether they hold a staff role and
  their cart's count.
- **cached**: the page cache serving a visitor with no session, as wrk is
  (`shop.catalogue.page_cache.PageCacheMiddleware`, first in the stack).
- **cached, orders flowing**: the same while `bench/order_flow.py` places and pays
  {ORDERS_PER_SECOND} orders a second (one unit of a random live variant each, through
  the checkout and payment services, in another process on the same database and Redis):
  each retires only its product's pages, and only when the stock or sales band the pages
  show moves (`shop.catalogue.shown`).

Queries are a second request's, from Django's test client, by the same visitor.
Targets (issue #20), as shares of the bare Django page: cached pages ≥ {CACHED_TARGET},
≥ {FLOWING_TARGET} while orders flow; signed in: home, listing and product page ≥ 0.20,
search ≥ 0.10; uncached (cold): home ≥ 0.05, listing ≥ 0.08, product page ≥ 0.06.

{datetime.date.today():%Y-%m-%d}, {machine}, {common.machine_state(load_before)}: load
average {load_before} before the run, {load_after} after it (1, 5, 15 min; the run's
own servers and wrk load the machine). Across the pages, the project's bare
page ran at {min(project_rates):.0f} to {max(project_rates):.0f} requests/s, the Django
page at {min(django_rates):.0f} to {max(django_rates):.0f}:

{markdown}

{kept_notes()}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=10, help="rounds of one second each, per page"
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=[mode.name for mode in MODES],
        help="only these ways of serving (with --no-write: the section shows them all)",
    )
    args = parser.parse_args()
    if args.modes and not args.no_write:
        parser.error("--modes needs --no-write")
    serving.check_wrk()

    env = with_sms_template_ids(production_env())
    ensure_database()
    seed(env)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    added = top_up_products(total=PRODUCTS)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    load_before = load_average()
    print(f"{added} products added to reach {PRODUCTS}; {common.machine()}; load {load_before}")

    pages = bench_pages()
    bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
    rows = []
    print(
        f"{'page':18} {'mode':22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'× Django':>9} "
        f"{'× project':>9} {'target':>7} {'queries':>8}"
    )
    cookie = buyer_session()
    with serving.gunicorn(app="bench.bare.wsgi:application", env=bare_env) as bare_url:
        for mode in MODES:
            if args.modes and mode.name not in args.modes:
                continue
            rows += load_pages(
                pages=pages, env=env, mode=mode, bare_url=bare_url + "/", cookie=cookie, args=args
            )
    load_after = load_average()
    print(f"load average {load_after}")
    if not args.no_write:
        body = report(
            rows,
            args=args,
            machine=common.machine(),
            load_before=load_before,
            load_after=load_after,
        )
        common.write_section(name="pages", body=body)
        print(f"Written to {common.BENCHMARKS_MD.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
