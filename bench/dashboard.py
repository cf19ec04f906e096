"""The year's dashboard and the home page's aid figures on a large ledger, against
the issue's targets: ``dashboard()`` < 0.3 s at 1,000,000 order lines (and the
admin dashboard page), and the home figures (``impact.township_impact``) in a
fixed number of queries whatever the ledger's size.

The ledger is built through the real services, on PostgreSQL: the demo
township (``seed_demo`` without its orders), ``--lines`` paid order lines of
the demo catalogue through one year, written in parts of 100,000 lines, each
accrued once written as ``manage.py aid_accrue_paid`` does it
(``accrue_paid_orders``, 500 orders per transaction, the daily totals written
by their trigger as each batch posts), then the twelve months closed. Each
part's accrual rate is printed and reported: the issue's "accrual linear to
1,000,000 lines" is the last part's rate at least 0.75 of the first's, as bench/aid.py
judges its batches.
That takes a while at 1,000,000 lines, so the database
(``aid_shop_bench_dashboard_<lines>``) is kept and reused by the next run with
the same ``--lines``; ``--rebuild`` builds it again (after a change to the
ledger's schema or services). Measuring only reads it.

    .venv/bin/python bench/dashboard.py [--lines 1000000] [--rebuild] [--no-write]
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import aid, common

DASHBOARD_TARGET_S = 0.3
# Orders are written in parts of this many lines, so memory stays small.
PART = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="paid order lines")
    parser.add_argument("--requests", type=int, default=5, help="timed calls, median taken")
    parser.add_argument("--rebuild", action="store_true", help="build the ledger again")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()

    name = f"aid_shop_bench_dashboard_{args.lines}"
    year = datetime.date.today().year - 1
    build = args.rebuild or not database_exists(name)
    if build:
        common.use_fresh_database(name=name)
    else:
        use_existing_database(name)
    import django

    django.setup()
    built = build_ledger(lines=args.lines, year=year) if build else None
    check_ledger(lines=args.lines)
    load_before = load_average()
    sizes = ledger_sizes()
    print(f"{common.machine()}; load {load_before}; {sizes}")

    selector, selector_queries, page, page_queries = aid.time_dashboard(
        year, requests=args.requests
    )
    home, home_queries = time_home(requests=args.requests)
    verify_s = time_verification()
    load_after = load_average()
    print(
        f"dashboard {year}: selector {selector:.3f} s ({selector_queries} queries), "
        f"admin page {page:.3f} s ({page_queries} queries) (target < {DASHBOARD_TARGET_S} s); "
        f"home figures {home * 1000:.1f} ms ({home_queries} queries); "
        f"totals verified in {verify_s:.1f} s; load {load_after}"
    )
    if not args.no_write:
        common.write_section(
            name="dashboard",
            body=report(
                args=args,
                year=year,
                sizes=sizes,
                built=built,
                dashboard=(selector, selector_queries, page, page_queries),
                home=(home, home_queries),
                verify_s=verify_s,
                loads=(load_before, load_after),
            ),
        )


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{common.POSTGRES_SERVER}/postgres", autocommit=True) as server:
        return bool(
            server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


def use_existing_database(name: str) -> None:
    os.environ["DATABASE_URL"] = f"{common.POSTGRES_SERVER}/{name}"
    os.environ["MEDIA_ROOT"] = f"/tmp/{name}-media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def build_ledger(*, lines: int, year: int) -> dict:
    """The township, its orders, their accrual and the year's closes; the
    seconds each step took (accrual and closes include the totals' trigger),
    and each part's accrual rate in lines per second."""
    from aid_accounting.accrual.accrue import accrue_paid_orders

    common.migrate()
    common.seed_township()
    seconds = {"orders": 0.0, "accrual": 0.0}
    rates = []
    first = 0
    for part in range(0, lines, PART):
        size = min(PART, lines - part)
        started = time.perf_counter()
        first += len(aid.make_paid_orders(lines=size, year=year, first=first))
        seconds["orders"] += time.perf_counter() - started
        common.analyze()  # as autovacuum would, with a part this large
        started = time.perf_counter()
        accrue_paid_orders(batch_size=aid.ACCRUAL_BATCH)
        took = time.perf_counter() - started
        seconds["accrual"] += took
        rates.append(size / took)
        print(f"{part + size:,} lines: this part accrued at {rates[-1]:,.0f} lines/s", flush=True)
    started = time.perf_counter()
    aid.close_year(year)
    seconds["closes"] = time.perf_counter() - started
    common.analyze()
    return {"seconds": seconds, "rates": rates}


def check_ledger(*, lines: int) -> None:
    """The database holds a finished build: every line accrued, a year closed."""
    from aid_accounting.accrual.models import LineAccrual
    from aid_accounting.periods.models import AccountingPeriod
    from shop.orders.models import OrderLine

    found = (OrderLine.objects.count(), LineAccrual.objects.count())
    closed = AccountingPeriod.objects.filter(closed_at__isnull=False).count()
    if found != (lines, lines) or closed < 12:
        sys.exit(f"unfinished ledger ({found} lines, accruals; {closed} closes): use --rebuild")


def ledger_sizes() -> str:
    from aid_accounting.ledger.models import DailyTotal, Entry, Transaction

    return (
        f"{Transaction.objects.count():,} transactions, {Entry.objects.count():,} entries, "
        f"{DailyTotal.objects.count():,} daily totals"
    )


def time_home(*, requests: int) -> tuple[float, int]:
    """Median seconds and queries of the home page's aid figures."""
    from aid_accounting.transparency.impact import township_impact

    return common.median_and_queries(township_impact, requests=requests)


def time_verification() -> float:
    """Seconds for ``aid_verify_ledger``'s check of the totals against every
    entry (it must find nothing)."""
    from aid_accounting.ledger.daily_totals import verify_totals

    started = time.perf_counter()
    problems = verify_totals()
    seconds = time.perf_counter() - started
    if problems:
        sys.exit(f"the daily totals differ from the entries: {problems[0]}")
    return seconds


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def report(*, args, year, sizes, built, dashboard, home, verify_s, loads) -> str:
    selector, selector_queries, page, page_queries = dashboard
    home_s, home_queries = home

    def verdict(met: bool) -> str:
        # The issue sets the target at 1,000,000 lines: a smaller run only indicates.
        at = "" if args.lines >= 1_000_000 else f" at {args.lines:,} lines (target at 1,000,000)"
        return ("met" if met else "**missed**") + at

    rows = [
        [
            f"dashboard {year}, `dashboard()` selector",
            f"{selector:.3f} s",
            f"{selector_queries} queries",
            f"< {DASHBOARD_TARGET_S} s: {verdict(selector < DASHBOARD_TARGET_S)}",
        ],
        [
            f"dashboard {year}, admin page (test client)",
            f"{page:.3f} s",
            f"{page_queries} queries",
            f"< {DASHBOARD_TARGET_S} s: {verdict(page < DASHBOARD_TARGET_S)}",
        ],
        [
            "home page's aid figures (`township_impact`)",
            f"{home_s * 1000:.1f} ms",
            f"{home_queries} queries",
            "fixed queries (pinned in tests/aid_accounting/ledger/test_daily_totals.py)",
        ],
        [
            "`aid_verify_ledger`'s check of the totals against every entry",
            f"{verify_s:.1f} s",
            "",
            "",
        ],
    ]
    if built:
        build = "built in this run: " + ", ".join(
            f"{step} {seconds:.0f} s" for step, seconds in built["seconds"].items()
        )
        rates = built["rates"]
        kept = rates[-1] / rates[0]
        rows.append(
            [
                f"accrual of each {PART:,} lines as the ledger grows, first part → last",
                f"{rates[0]:,.0f} → {rates[-1]:,.0f} lines/s",
                "",
                f"last ≥ {1 - aid.LINEAR_MARGIN:.2f} × first (linear): {kept:.2f}, "
                + verdict(kept >= 1 - aid.LINEAR_MARGIN),
            ]
        )
    else:
        build = "reused from an earlier run: the accrual's growth is measured by a build"
    command = ".venv/bin/python bench/dashboard.py"
    if args.lines != 1_000_000:
        command += f" --lines {args.lines}"
    return f"""
## Aid dashboard and home figures on a large ledger (`bench/dashboard.py`)

```sh
{command}
```

On PostgreSQL database `aid_shop_bench_dashboard_{args.lines}`, kept between runs
(`--rebuild` builds it again; {build}): the demo township, {args.lines:,} order lines of
the demo catalogue paid through {year}, accrued through `accrue_paid_orders` (as
`manage.py aid_accrue_paid`) and the twelve months closed: {sizes}. Times are the median
of {args.requests} calls after a warm-up; the machine was {common.machine_state(loads[0])}
(load average {loads[0]} before, {loads[1]} after).

{datetime.date.today().isoformat()}, {common.machine()}:

{common.markdown_table(["what", "time", "queries", "target"], rows, align="lrrl")}

The dashboard, the reports and the home figures sum the ledger's daily totals (per
account, local day, kind and order line's producer, category and channel), which a
trigger adds to in the statement that marks transactions posted, rather than every
entry; `aid_verify_ledger` checks them against the entries. Their number is bounded by the
days times the accounts and line dimensions in use, not by the sales: a year of the demo
catalogue's producers fills most of its keys long before 1,000,000 lines, so the
dashboard's aggregates read about as many rows at that size as at 100,000 (where reading
the entries took 0.70 s, `bench/aid.py` before the totals). The admin page adds the
template's rendering and the charts' data to the selector.
"""


if __name__ == "__main__":
    main()
