"""Orders flowing in the background of a page bench: placed and paid through the
shop's services, as checkout and the payment gateway do, at a steady rate, until
stopped (SIGTERM). Each order is one unit of a random live variant; a variant that
runs out is given its stock back, as a producer would.

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python bench/order_flow.py --per-second 10

Run by bench/pages.py on its own database and cache (its environment), in
development mode: the dummy gateway pays the orders. Prints how many orders it
placed and paid, and at what rate, when stopped.
"""

import argparse
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkout import ADDRESS

RESTOCK = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-second", type=float, default=10.0)
    args = parser.parse_args()

    import django

    django.setup()
    from shop.catalogue.models import ProductVariant
    from shop.orders import inventory
    from shop.orders.checkout import CheckoutError, ShippingAddress, place_order
    from shop.payments.services import payment_succeeded, start_payment

    variants = list(
        ProductVariant.objects.filter(is_active=True, product__live=True).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(20)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    placed = refused = 0
    started = time.monotonic()
    interval = 1 / args.per_second
    while not stopping:
        due = started + (placed + refused) * interval
        time.sleep(max(0.0, due - time.monotonic()))
        variant = rng.choice(variants)
        try:
            order = place_order(
                items=[(variant, 1)],
                email="flow@bench.example",
                address=ShippingAddress(**ADDRESS),
                gateway="dummy",
            )
        except CheckoutError:
            refused += 1
            inventory.release(variant_id=variant, quantity=RESTOCK)
            continue
        payment, _start = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
        placed += 1
    seconds = time.monotonic() - started
    print(
        f"order flow: {placed} orders placed and paid in {seconds:.0f} s "
        f"({placed / seconds:.1f}/s), {refused} refused (sold out, restocked)",
        flush=True,
    )


if __name__ == "__main__":
    main()
