"""The whole demo, seeded once (it takes a minute or more): seeded twice, it
creates nothing twice; its year of orders is of the size the 2020 report gives
(about ¥200,000 of sales); the township dashboard agrees with aid_reconcile;
no household's personal data shows on a public page or a staff export."""

import pytest
from django.core.management import call_command

from shop.orders.models import Order
from tests.aid_accounting.transparency.test_dashboard import (
    assert_the_dashboards_years_add_up_to_aid_reconcile,
)
from tests.personal_data_exposure import assert_no_personal_data_is_public_or_exported
from tests.producers.test_demo import row_counts

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_creates_nothing_twice_and_a_year_of_the_reports_size():
    call_command("seed_demo", verbosity=0)
    before = row_counts()
    call_command("seed_demo", verbosity=0)
    assert row_counts() == before

    sold = Order.objects.exclude(status__in=["cancelled", "awaiting_payment"])
    total_fen = sum(order.subtotal_fen - order.refunded_fen for order in sold)
    assert 15_000_000 <= total_fen <= 25_000_000  # about ¥200,000, as in the report
    assert set(Order.objects.values_list("status", flat=True)) >= {
        "paid",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
        "refunded",
    }
    assert Order.objects.filter(channel="offline").exists()
    assert_the_dashboards_years_add_up_to_aid_reconcile()
    assert_no_personal_data_is_public_or_exported()
