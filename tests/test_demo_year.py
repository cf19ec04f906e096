"""The whole demo, seeded once (it takes a minute or more): seeded twice, it
creates nothing twice; its year of orders is of the size the 2020 report gives
(about ¥200,000 of sales) and has the figures docs/demo-data.md states; the
township dashboard agrees with aid_reconcile; the open data's months total the
same by village, producer and category; no household's personal data shows on
a public page or a staff export."""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Max, Min, Sum
from django.utils import timezone

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.calendar import Month, Year, months_between
from aid_accounting.ledger.models import Transaction
from aid_accounting.transparency.impact import township_impact
from aid_accounting.transparency.open_data import monthly_aggregates
from core.money import format_yuan
from shop.institutions.models import BuyingUnit
from shop.orders.models import Order
from tests.aid_accounting.transparency.test_dashboard import (
    assert_the_dashboards_years_add_up_to_aid_reconcile,
)
from tests.aid_accounting.transparency.test_dashboard_totals import (
    assert_the_dashboard_is_what_the_entries_sum,
)
from tests.personal_data_exposure import assert_no_personal_data_is_public_or_exported
from tests.producers.test_demo import row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.longest]


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
    assert_the_union_buys_in_its_name_and_has_its_invoices()
    assert_the_dashboards_years_add_up_to_aid_reconcile()
    assert_the_dashboard_reads_the_entries_sums()
    assert_the_docs_figures_are_the_demos()
    assert_open_data_months_total_the_same_in_every_dimension()
    assert_no_personal_data_is_public_or_exported()


def assert_the_union_buys_in_its_name_and_has_its_invoices():
    from shop.invoicing.models import InvoiceRequest

    union = BuyingUnit.objects.get(name="临清市总工会（示例）")
    assert union.memberships.get(role="manager").user.username == "buyer"
    orders = union.orders.all()
    assert orders.exists() and not orders.filter(budget_year__isnull=True).exists()
    invoices = InvoiceRequest.objects.filter(buying_unit=union, status="issued")
    assert invoices.exists() and all(invoice.file for invoice in invoices)
    invoiced = {part.order_id for invoice in invoices for part in invoice.parts.all()}
    assert sum(invoice.invoice_amount_fen for invoice in invoices) == sum(
        order.total_fen for order in Order.objects.filter(pk__in=invoiced)
    )


def assert_the_dashboard_reads_the_entries_sums() -> None:
    """The dashboard, read from the daily totals, shows for each year and month of
    the demo what aggregating the posted entries themselves gives."""
    span = Transaction.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first, last = (timezone.localtime(span[end]).date() for end in ("first", "last"))
    for year in range(first.year, last.year + 1):
        assert_the_dashboard_is_what_the_entries_sum(Year(year))
    for month in months_between(Month(first.year, first.month), Month(last.year, last.month)):
        assert_the_dashboard_is_what_the_entries_sum(month)


def assert_the_docs_figures_are_the_demos() -> None:
    """Every row of the first table under "The demo year" in docs/demo-data.md."""
    text = (Path(settings.BASE_DIR) / "docs" / "demo-data.md").read_text(encoding="utf-8")
    section = text.split("## The demo year of sales and aid", 1)[1]
    table = section[section.index("| figure |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", table, re.MULTILINE)
    lines = LineAccrual.objects.aggregate(
        sales=Sum("line_total_fen"),
        refunded=Sum("refunded_fen"),
        accrued=Sum("aid_fen"),
        reversed=Sum("reversed_fen"),
    )
    demo = {
        "orders": str(Order.objects.count()),
        "orders paid offline (buying units, bank transfer)": str(
            Order.objects.filter(channel="offline").count()
        ),
        "orders cancelled before payment": str(Order.objects.filter(status="cancelled").count()),
        "sales (paid, net of refunds)": format_yuan(lines["sales"] - lines["refunded"]),
        "refunded": format_yuan(lines["refunded"]),
        "aid accrued (25%)": format_yuan(lines["accrued"]),
        "reversed by refunds": format_yuan(lines["reversed"]),
        "households sharing the aid": str(township_impact().household_count),
    }
    assert dict(rows[2:]) == demo  # after the header and its rule


def assert_open_data_months_total_the_same_in_every_dimension() -> None:
    totals = defaultdict(dict)
    for row in monthly_aggregates():
        by_dimension = totals[row["month"]]
        by_dimension[row["dimension"]] = by_dimension.get(row["dimension"], 0) + (
            row["aid_distributed_fen"] or 0
        )
    assert totals
    for month, by_dimension in totals.items():
        assert len(set(by_dimension.values())) == 1, (month, by_dimension)
