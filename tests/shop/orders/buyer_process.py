"""One buyer in its own process, for the multi-process oversell race
(test_oversell_processes.py): ``python -m tests.shop.orders.buyer_process VARIANT DIR INDEX``.

It sets Django up on DATABASE_URL (the race's SQLite file), says it is ready, waits
for the start signal, places an order for one unit through the real checkout
service, and prints what happened: "bought" or the checkout's message.
"""

import os
import sys
import time
from pathlib import Path


def main(variant_id: int, directory: Path, index: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from shop.orders.checkout import CheckoutError, place_order
    from tests.township import ADDRESS

    (directory / f"ready-{index}").touch()
    while not (directory / "go").exists():
        time.sleep(0.01)
    try:
        place_order(
            items=[(variant_id, 1)],
            email=f"buyer{index}@example.com",
            address=ADDRESS,
            gateway="dummy",
        )
    except CheckoutError as error:
        print(" ".join(error.messages))
    else:
        print("bought")


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
