"""Checkout under concurrent buyers, against plain order-row inserts in the same run.

N buyers, each its own process with its own database connection, start
together and place orders through the shop's services as the checkout page
does (a guest cart, ``cart.add_item`` per line, ``checkout.place_order``,
which reserves stock by conditional update, then the cart cleared) for a few
variants with limited stock, so later buyers find them sold out. The same
number of attempts is made at every N, from the same stock. Reported per
round: attempts and orders placed per second, refusals (sold out is a normal
one), errors (anything else; must be 0) and oversold units (units on placed
orders beyond the stock; must be 0), with the stock left checked against it.

The baseline inserts the same number of bare order rows from one connection,
one per commit: the floor of writing an order at all.

Runs on its own PostgreSQL database ``aid_shop_bench_checkout`` (dropped
and rebuilt each run, with the demo catalogue), then writes its section of
docs/benchmarks.md.

    .venv/bin/python bench/checkout.py [--buyers 1 8 32] [--attempts 640] [--no-write]
"""

import argparse
import datetime
import multiprocessing
import random
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

ADDRESS = dict(
    recipient="王示例",
    mobile="13812345678",
    province="北京市",
    city="北京市",
    district="朝阳区",
    street="示例路1号",
)


@dataclass
class Round:
    buyers: int
    seconds: float
    attempts: int
    placed: int
    refused: int
    errors: list[str]
    oversold: int
    stock_mismatch: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--attempts", type=int, default=640, help="orders tried per round")
    parser.add_argument("--variants", type=int, default=4, help="variants on sale")
    parser.add_argument("--stock", type=int, default=150, help="initial stock per variant")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()

    common.use_fresh_database(name="aid_shop_bench_checkout")
    import django

    django.setup()
    common.migrate()
    common.seed_township(households=False)
    from shop.catalogue.models import ProductVariant

    variants = list(
        ProductVariant.objects.filter(is_active=True, product__live=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.variants]
    )
    print(
        f"{common.machine()}; {args.attempts} attempts per round on {len(variants)} variants "
        f"of {args.stock} units each"
    )
    baseline = insert_order_rows(args.attempts)
    print(f"baseline: {args.attempts / baseline:.0f} order rows/s")
    rounds = []
    for buyers in args.buyers:
        result = run_round(
            buyers=buyers, attempts=args.attempts, variants=variants, stock=args.stock
        )
        rounds.append(result)
        print(
            f"{buyers:3d} buyers: {result.attempts / result.seconds:6.0f} attempts/s, "
            f"{result.placed / result.seconds:6.0f} orders/s, placed {result.placed}, "
            f"refused {result.refused}, errors {len(result.errors)}, "
            f"oversold {result.oversold}, stock mismatch {result.stock_mismatch}"
        )
        for error in result.errors[:3]:
            print(error)
    if not args.no_write:
        common.write_section(name="checkout", body=report(args, variants, baseline, rounds))
    if any(r.errors or r.oversold or r.stock_mismatch for r in rounds):
        sys.exit("checkout bench: errors or oversold stock (see above)")


def insert_order_rows(count: int) -> float:
    """Seconds to INSERT ``count`` bare order rows, one per commit (autocommit)."""
    from django.utils import timezone

    from shop.orders.models import Order

    started = time.perf_counter()
    for number in range(count):
        Order.objects.create(
            number=f"BASE{number:08d}",
            email="buyer@bench.example",
            gateway="dummy",
            subtotal_fen=3980,
            shipping_fen=1000,
            total_fen=4980,
            expires_at=timezone.now(),
            **ADDRESS,
        )
    return time.perf_counter() - started


def run_round(*, buyers: int, attempts: int, variants: list[int], stock: int) -> Round:
    from django.db import connections
    from django.db.models import Max, Sum

    from shop.catalogue.models import ProductVariant
    from shop.orders.models import Order, OrderLine

    ProductVariant.objects.filter(pk__in=variants).update(stock=stock)
    first_order = (Order.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    # Children must open their own connections, never share the parent's socket.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(buyers + 1)
    results = context.Queue()
    shares = [attempts // buyers + (i < attempts % buyers) for i in range(buyers)]
    processes = [
        context.Process(target=buyer, args=(i, shares[i], variants, start, results))
        for i in range(buyers)
    ]
    for process in processes:
        process.start()
    start.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()

    sold = dict(
        OrderLine.objects.filter(order_id__gte=first_order, variant_id__in=variants)
        .values_list("variant_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    left = dict(ProductVariant.objects.filter(pk__in=variants).values_list("pk", "stock"))
    return Round(
        buyers=buyers,
        seconds=seconds,
        attempts=attempts,
        placed=sum(placed for placed, _refused, _errors in outcomes),
        refused=sum(refused for _placed, refused, _errors in outcomes),
        errors=[error for _placed, _refused, errors in outcomes for error in errors],
        oversold=sum(max(0, sold.get(v, 0) - stock) for v in variants),
        stock_mismatch=sum(abs(stock - sold.get(v, 0) - left[v]) for v in variants),
    )


def buyer(index: int, attempts: int, variants: list[int], start, results) -> None:
    """One buyer's process: ``attempts`` orders of 1–2 variants, 1–3 units each."""
    from shop.orders import cart as carts
    from shop.orders.checkout import CheckoutError, ShippingAddress, place_order
    from shop.orders.models import Cart

    rng = random.Random(index)
    placed = refused = 0
    errors = []
    start.wait()
    for _ in range(attempts):
        basket = {v: rng.randint(1, 3) for v in rng.sample(variants, rng.choice((1, 1, 2)))}
        try:
            cart = Cart.objects.create()
            for variant_id, quantity in basket.items():
                carts.add_item(cart=cart, variant_id=variant_id, quantity=quantity)
            items = carts.items(cart)
            if any(item.problem for item in items):
                refused += 1
                continue
            place_order(
                items=[(item.variant.pk, item.quantity) for item in items],
                email=f"buyer{index}@bench.example",
                address=ShippingAddress(**ADDRESS),
                gateway="dummy",
            )
            carts.clear(cart)
            placed += 1
        except (carts.CartError, CheckoutError):
            refused += 1
        except Exception:
            errors.append(traceback.format_exc(limit=3))
    results.put((placed, refused, errors))


def report(args, variants: list[int], baseline: float, rounds: list[Round]) -> str:
    rows = [
        [
            "plain INSERT of an order row, 1 connection (baseline)",
            f"{args.attempts / baseline:,.0f}",
            f"{args.attempts / baseline:,.0f}",
            "1.00",
            "–",
            "–",
            "–",
        ]
    ]
    for r in rounds:
        rows.append(
            [
                f"checkout, {r.buyers} concurrent buyer{'s' if r.buyers > 1 else ''}",
                f"{r.attempts / r.seconds:,.0f}",
                f"{r.placed / r.seconds:,.0f}",
                f"{(r.placed / r.seconds) / (args.attempts / baseline):.2f}",
                f"{r.placed} / {r.refused}",
                str(len(r.errors)),
                str(r.oversold + r.stock_mismatch),
            ]
        )
    table = common.markdown_table(
        [
            "what",
            "attempts/s",
            "orders/s",
            "× baseline",
            "placed / refused",
            "errors",
            "oversold",
        ],
        rows,
        align="lrrrrrr",
    )
    command = ".venv/bin/python bench/checkout.py"
    if args.buyers != [1, 8, 32] or args.attempts != 640:
        command += f" --buyers {' '.join(map(str, args.buyers))} --attempts {args.attempts}"
    return f"""
## Checkout with concurrent buyers (`bench/checkout.py`)

```sh
{command}
```

On its own PostgreSQL database, rebuilt each run, with the demo catalogue. Each buyer is a
process with its own connection; all start together and place orders as the checkout page
does (guest cart, `add_item`, `place_order` reserving stock by conditional update). Every
round makes {args.attempts} attempts on {len(variants)} variants of {args.stock} units
each, so the stock runs out during the round: "refused" orders found it sold out, as a
buyer would. "Oversold" counts units sold beyond the stock plus any difference between
the stock left and the stock less the units sold: it must be 0. The baseline inserts as
many bare order rows, one per commit, from one connection.

{datetime.date.today().isoformat()}, {common.machine()}:

{table}
"""


if __name__ == "__main__":
    main()
