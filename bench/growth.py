"""Growth: the uncached category listing and product page at 200 and at 10,000
live products, against the bare Django page, all served by gunicorn in the same run.

On its own PostgreSQL database, ``aid_shop_growth``, rebuilt each run: the demo
township (``bench.common.seed_township``: villages, producers, the demo products,
households and aid rules, no orders), then copies of the demo's live products under
the same producers (as bench/pages.py makes its 200) until 200 are live; the two
pages are measured; copies are added until 10,000 are live, and they are measured
again. The shop runs in production mode with the anonymous-page cache off
(``PAGE_CACHE_SECONDS=0``), as bench/pages.py's uncached rows; wrk loads the bare
Django page (bench/bare/) and the page alternately, a second at a time.

    .venv/bin/python bench/growth.py [--seconds 10] [--large 10000]

Prints the figures and writes them into docs/benchmarks.md (its bench:growth section).
"""

import argparse
import datetime
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, pages, profile_pages, serving  # noqa: E402

DATABASE = "aid_shop_growth"
SMALL = 200
LARGE = 10_000
# Cold targets (issue #20), as a share of the bare Django page's requests per second,
# and how much dearer a page may get from the small catalogue to the large one.
TARGETS = {"category listing": 0.08, "product page": 0.06}
GROWTH_LIMIT = 0.20
IN_PROCESS_REQUESTS = 100
PROFILES = ROOT / "docs" / "profiles"


@dataclass(frozen=True)
class Row:
    page: str
    products: int
    load: serving.Load
    bare: serving.Load
    queries: int
    in_process_ms: float  # median per request through Django's test client
    cpu_ms: float  # mean CPU a request of the Django process and its PostgreSQL backend

    @property
    def ratio(self) -> float:
        return self.load.requests_per_second / self.bare.requests_per_second


def environment() -> dict[str, str]:
    env = pages.production_env()
    env.update(
        {
            "DATABASE_URL": f"{common.POSTGRES_SERVER}/{DATABASE}",
            "MEDIA_ROOT": f"/tmp/{DATABASE}-media",
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/8"),
            "PAGE_CACHE_SECONDS": "0",
            # Production mode requires the gateways named; the dummy one, refused by
            # config/wsgi.py at start-up, is served by bench/served_wsgi.py.
            "PAYMENT_GATEWAYS": env.get("PAYMENT_GATEWAYS") or "dummy",
        }
    )
    return env


def add_products(*, total: int) -> int:
    """Copies of the demo's live products, under the same producers, until ``total``
    are live; returns how many were added.

    Written in bulk, as rows: Wagtail's ``add_child`` and a published revision per
    copy took 50 to 130 ms each on the shared machine (most of it adding the copy
    to the search index), which would make the 10,000 take most of an hour. The
    rows are what ``add_child`` writes (tree path, depth, address, the parent's
    count of children) and what publishing sets (live, first and last published);
    neither page measured reads revisions, and search is not measured here, so
    the copies have no revision and are not in the search index."""
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone
    from wagtail.models import Locale, Page

    from producers.models import ProducerPage
    from shop.catalogue.models import Category, ProductPage, ProductVariant
    from shop.demo.catalogue import PRODUCTS as DEMO_PRODUCTS

    specs = [spec for spec in DEMO_PRODUCTS if spec.live]
    originals = {
        product.slug: product
        for product in ProductPage.objects.filter(slug__in=[spec.slug for spec in specs])
    }
    categories = {category.slug: category for category in Category.objects.all()}
    content_type = ContentType.objects.get_for_model(ProductPage)
    locale = Locale.get_default()
    live = ProductPage.objects.live().count()
    for first in range(live, total, 1000):
        numbers = range(first, min(first + 1000, total))
        with transaction.atomic():
            parents = {
                page.producer.code: page
                for page in ProducerPage.objects.select_related("producer").select_for_update()
            }
            last_step = {
                code: max(
                    (
                        Page._str2int(path[-Page.steplen :])
                        for path in Page.objects.filter(
                            path__startswith=page.path, depth=page.depth + 1
                        ).values_list("path", flat=True)
                    ),
                    default=0,
                )
                for code, page in parents.items()
            }
            pages, added = [], {}
            now = timezone.now() - datetime.timedelta(seconds=total)
            for number in numbers:
                spec = specs[number % len(specs)]
                parent = parents[spec.producer_code]
                last_step[spec.producer_code] += 1
                added[parent.pk] = added.get(parent.pk, 0) + 1
                slug = f"growth-{number}"
                pages.append(
                    Page(
                        path=Page._get_path(
                            parent.path, parent.depth + 1, last_step[spec.producer_code]
                        ),
                        depth=parent.depth + 1,
                        numchild=0,
                        title=f"{spec.title}（{number}号）",
                        draft_title=f"{spec.title}（{number}号）",
                        slug=slug,
                        url_path=f"{parent.url_path}{slug}/",
                        content_type=content_type,
                        locale=locale,
                        translation_key=uuid.uuid4(),
                        live=True,
                        has_unpublished_changes=False,
                        # A second apart, as products are published one at a time.
                        first_published_at=now + datetime.timedelta(seconds=number),
                        last_published_at=now + datetime.timedelta(seconds=number),
                    )
                )
            Page.objects.bulk_create(pages)
            rows = []
            variants = []
            for number, page in zip(numbers, pages, strict=True):
                spec = specs[number % len(specs)]
                original = originals[spec.slug]
                rows.append(
                    [
                        page.pk,
                        parents[spec.producer_code].producer_id,
                        categories[spec.category_slug].pk,
                        spec.summary,
                        f"<p>{spec.summary}</p>",
                        original.image_id,
                        spec.origin,
                        original.season_note,
                        original.storage_note,
                    ]
                )
                variants += [
                    ProductVariant(
                        product_id=page.pk,
                        name=name,
                        price_fen=price_fen,
                        unit=unit,
                        net_weight_grams=grams,
                        stock=stock,
                        sort_order=order,
                    )
                    for order, (name, price_fen, unit, grams, stock) in enumerate(spec.variants)
                ]
            table = ProductPage._meta.db_table
            columns = [
                "page_ptr_id",
                "producer_id",
                "category_id",
                "summary",
                "description",
                "image_id",
                "origin",
                "season_note",
                "storage_note",
            ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    rows,
                )
            ProductVariant.objects.bulk_create(variants)
            for parent_pk, count in added.items():
                Page.objects.filter(pk=parent_pk).update(numchild=F("numchild") + count)
        print(f"  {numbers.stop} live products", flush=True)
    return max(0, total - live)


def measured_pages() -> dict[str, str]:
    from shop.catalogue.models import ProductPage

    return {
        "category listing": "/categories/vegetables/",
        "product page": ProductPage.objects.live().get(slug="greenhouse-tomato").url,
    }


def in_process(path: str) -> tuple[int, float, float]:
    """Queries of one request after a warm-up, the median milliseconds of
    ``IN_PROCESS_REQUESTS`` requests through Django's test client, and their mean CPU
    milliseconds in this process and its PostgreSQL backend."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    queries = len(captured)  # now: the next request clears the connection's log
    wall, django_cpu, backend_cpu = profile_pages.per_request_ms(
        client, path, requests=IN_PROCESS_REQUESTS
    )
    return queries, wall, django_cpu + backend_cpu


def measure(*, products: int, env: dict[str, str], bare_url: str, args) -> list[Row]:
    rows = []
    with serving.gunicorn(app="bench.served_wsgi:application", env=env) as base:
        for name, path in measured_pages().items():
            url = base + quote(path, safe="/?=&")
            serving.wrk(url, seconds=1, connections=1, threads=1)  # warm up
            bare, load = pages.alternately(
                [(bare_url, None), (url, None)],
                seconds=args.seconds,
                connections=args.connections,
            )
            if load.bad_responses or bare.bad_responses:
                sys.exit(f"{name}: bad responses at {products} products")
            queries, ms, cpu = in_process(path)
            row = Row(name, products, load, bare, queries, ms, cpu)
            print(
                f"{name:18} {products:6d} {load.requests_per_second:8.1f} {load.p50_ms:7.1f} "
                f"{load.p99_ms:7.1f} {row.ratio:7.3f} {queries:4d} {ms:7.2f} {cpu:7.2f}   "
                f"(bare {bare.requests_per_second:.0f})",
                flush=True,
            )
            rows.append(row)
    return rows


def growth(rows: list[Row], page: str) -> float:
    """How much dearer the page is at the large size: its share of the bare page
    at the small size over its share at the large one, less one."""
    small, large = (row for row in rows if row.page == page)
    return small.ratio / large.ratio - 1


def cpu_growth(rows: list[Row], page: str) -> float:
    """The same by the CPU a request takes in process (Django and PostgreSQL),
    which the machine's other work disturbs less than the rates."""
    small, large = (row for row in rows if row.page == page)
    return large.cpu_ms / small.cpu_ms - 1


def report(rows: list[Row], *, args, machine: str, load_before: str, load_after: str) -> str:
    table = []
    for row in rows:
        target = TARGETS[row.page]
        met = "✓" if row.ratio >= target else f"✗ ({row.ratio / target:.0%} of it)"
        table.append(
            [
                row.page,
                f"{row.products:,}",
                f"{row.load.requests_per_second:.0f}",
                f"{row.load.p50_ms:.1f}",
                f"{row.load.p99_ms:.1f}",
                f"{row.bare.requests_per_second:.0f}",
                f"{row.ratio:.3f}",
                f"≥ {target:.2f} {met}",
                str(row.queries),
                f"{row.in_process_ms:.1f}",
                f"{row.cpu_ms:.1f}",
            ]
        )
    markdown = common.markdown_table(
        [
            "page (uncached)",
            "live products",
            "req/s",
            "p50 ms",
            "p99 ms",
            "bare Django req/s",
            "× Django bare",
            "target",
            "queries",
            "in process ms",
            "CPU ms",
        ],
        table,
        align="lrrrrrrlrrr",
    )
    growth_lines = []
    for page in TARGETS:
        change, cpu = growth(rows, page), cpu_growth(rows, page)
        verdict = "met" if change <= GROWTH_LIMIT else "**missed**"
        growth_lines.append(
            f"- {page}: {change:+.0%} from {args.small:,} to {args.large:,} live products "
            f"by the share of the bare page (within {GROWTH_LIMIT:.0%}: {verdict}); "
            f"{cpu:+.0%} by CPU a request in process"
        )
    growth_text = "\n".join(growth_lines)
    title = f"Growth: listing and product page from {args.small:,} to {args.large:,} products"
    return f"""## {title} (`bench/growth.py`)

```sh
.venv/bin/python bench/growth.py --seconds 10
```

On its own PostgreSQL database (`{DATABASE}`, rebuilt each run): the demo township
without orders, then copies of the demo's live products under the same producers until
{args.small:,} are live; the category listing (`/categories/vegetables/`, its first page,
newest first) and a product page (the demo's tomato) are measured; copies are added until
{args.large:,} are live and both are measured again. Served as bench/pages.py serves its
uncached rows: production mode (`bench/served_wsgi.py`: config/wsgi.py's application
without its start-up refusal of the dummy payment gateway and the console SMS backend),
gunicorn with 2 sync workers, the anonymous-page cache off (`PAGE_CACHE_SECONDS=0`);
wrk loads the bare Django page (`bench/bare/`) and the page alternately, one second
each, {args.seconds} rounds with {args.connections} connections.
Queries are a second request's, "in process" the median of {IN_PROCESS_REQUESTS}
requests through Django's test client in the bench's process, and "CPU" their mean CPU
time in that process and its PostgreSQL backend. Cost is compared as the
share of the bare page in the same rounds, so that the shared machine's load, which
changes between the two sizes, cancels out. Targets (issue #20): cold listing ≥ 0.08 and
product page ≥ 0.06 of the bare Django page; each within {GROWTH_LIMIT:.0%} from
{SMALL:,} to {LARGE:,} products. Profiles of the uncached pages: `docs/profiles/`.

{datetime.date.today():%Y-%m-%d}, {machine}, {common.machine_state(load_before)}: load average
{load_before} before the run, {load_after} after it (1, 5, 15 min).

{markdown}

{growth_text}

{kept_notes()}
"""


NOTES_START, NOTES_END = "<!-- growth notes -->", "<!-- /growth notes -->"


def kept_notes() -> str:
    """The section's notes written by hand (the cold pages' levers, before and
    after), to write back unchanged."""
    text = common.BENCHMARKS_MD.read_text(encoding="utf-8")
    found = re.search(re.escape(NOTES_START) + r".*?" + re.escape(NOTES_END), text, re.DOTALL)
    return found[0] if found else f"{NOTES_START}\n{NOTES_END}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="rounds of one second, per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=LARGE)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    serving.check_wrk()

    env = environment()
    common.use_fresh_database(name=DATABASE)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    started = time.monotonic()
    common.migrate()
    common.seed_township()
    add_products(total=args.small)
    common.analyze()
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    print(f"{args.small} live products in {time.monotonic() - started:.0f} s; {common.machine()}")
    load_before = pages.load_average()
    print(
        f"{'page':18} {'live':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'× bare':>7} "
        f"{'q':>4} {'in-proc ms':>7}"
    )
    bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
    with serving.gunicorn(app="bench.bare.wsgi:application", env=bare_env) as bare_url:
        rows = measure(products=args.small, env=env, bare_url=bare_url + "/", args=args)
        started = time.monotonic()
        add_products(total=args.large)
        common.analyze()
        cache.clear()
        print(f"{args.large} live products in {time.monotonic() - started:.0f} s")
        rows += measure(products=args.large, env=env, bare_url=bare_url + "/", args=args)
    load_after = pages.load_average()
    for page in TARGETS:
        print(
            f"{page}: {growth(rows, page):+.0%} by the bare page's share, "
            f"{cpu_growth(rows, page):+.0%} by CPU, from {args.small} to {args.large} products"
        )
    print(f"load average {load_after}")
    if not args.no_write:
        body = report(
            rows,
            args=args,
            machine=common.machine(),
            load_before=load_before,
            load_after=load_after,
        )
        common.write_section(name="growth", body=body)
        print(f"Written to {common.BENCHMARKS_MD.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
