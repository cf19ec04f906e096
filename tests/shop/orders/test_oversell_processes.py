"""No oversell on the embedded SQLite either, with buyers in separate processes (as
gunicorn's workers are), not threads: each places its order through the real checkout
service on the test database's file copy, released at once. IMMEDIATE transactions
and the busy timeout (config/settings.py) make them queue; the conditional UPDATE in
shop.orders.inventory makes the late ones find the stock gone. The PostgreSQL race
with fifty threads is test_concurrency.py."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connections

from shop.catalogue.models import ProductVariant
from shop.orders.models import Order
from tests.shop.factories import ProductVariantFactory
from tests.shop.orders.racing import own_connections

pytestmark = [
    pytest.mark.sqlite,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Few enough for a two-core machine to start them in good time; more buyers than units.
BUYERS = 4
UNITS = 2


def test_buyers_in_separate_processes_for_the_last_units_never_oversell(tmp_path):
    variant = ProductVariantFactory(stock=UNITS)
    with own_connections("sqlite", tmp_path):
        copy = connections["default"].settings_dict["NAME"]
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{copy}"}
        env.pop("CELERY_BROKER_URL", None)  # whatever a buyer queues runs in its process
        buyers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.shop.orders.buyer_process"]
                + [str(variant.pk), str(tmp_path), str(index)],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for index in range(BUYERS)
        ]
        try:
            deadline = time.monotonic() + 300
            while len(list(tmp_path.glob("ready-*"))) < BUYERS:
                exited = [buyer for buyer in buyers if buyer.poll() is not None]
                assert not exited, exited[0].communicate()
                assert time.monotonic() < deadline, "the buyers did not start"
                time.sleep(0.05)
            (tmp_path / "go").touch()
            outcomes = []
            for buyer in buyers:
                out, err = buyer.communicate(timeout=300)
                assert buyer.returncode == 0, err
                outcomes.append(out.strip())
        finally:
            for buyer in buyers:
                buyer.kill()

        assert outcomes.count("bought") == UNITS
        assert all("已售罄" in outcome for outcome in outcomes if outcome != "bought")
        assert ProductVariant.objects.get(pk=variant.pk).stock == 0
        assert Order.objects.count() == UNITS
        assert sum(order.lines.get().quantity for order in Order.objects.all()) == UNITS
