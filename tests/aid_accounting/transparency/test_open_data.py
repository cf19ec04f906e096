"""The open data at /open-data/: monthly aggregates, equal to the ledger, with
small cells suppressed."""

import csv
import datetime
import io

import pytest

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.periods.close import close_period
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from aid_accounting.transparency.open_data import MIN_HOUSEHOLDS
from core.roles import SYSTEM
from tests.aid_accounting.factories import HouseholdFactory
from tests.producers.factories import VillageFactory
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db


OCT_SALE, OCT_DELIVERY, NOV_CLOSE = at("2026-10-10"), at("2026-10-12"), at("2026-11-02")


def rows_of(client, dimension: str, query: str = "") -> list[dict]:
    response = client.get(f"/open-data/{query}")
    assert response.status_code == 200
    return [row for row in response.json()["rows"] if row["dimension"] == dimension]


@pytest.fixture
def small_pool(bag):
    """The bag producer's aid goes to a village with only two households."""
    village = VillageFactory(name="小王庄村", code="xiaowangzhuang")
    for n in (1, 2):
        HouseholdFactory(registration_number=f"LGZ-X-{n}", village=village)
    pool = AidPool.objects.create(name="小王庄资金池")
    pool.villages.add(village)
    set_rule(
        actor=SYSTEM,
        producer=bag.product.producer,
        pool=pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 1, 1),
    )
    return pool


def test_sums_equal_the_ledger(client, october):
    accruals = LineAccrual.objects.all()
    pool_entries = Entry.objects.filter(account__owner_type=Account.OwnerType.POOL)
    accrued = -sum(
        e.amount_fen for e in pool_entries.exclude(transaction__kind=Transaction.Kind.DISTRIBUTION)
    )
    distributed = sum(
        e.amount_fen for e in pool_entries.filter(transaction__kind=Transaction.Kind.DISTRIBUTION)
    )
    sales = sum(a.line_total_fen - a.refunded_fen for a in accruals)

    for dimension in ("village", "producer", "category"):
        rows = rows_of(client, dimension)
        assert not any(row["suppressed"] for row in rows)
        assert sum(row["sales_fen"] for row in rows) == sales == 4 * 3980
        assert sum(row["aid_accrued_fen"] for row in rows) == accrued == 3980
        assert sum(row["aid_distributed_fen"] for row in rows) == distributed == 3980
    [village] = [row for row in rows_of(client, "village") if row["aid_distributed_fen"]]
    assert (village["month"], village["households_reached"]) == ("2026-10", 3)


def test_cells_of_fewer_than_three_households_are_suppressed(client, october, bag, small_pool):
    order = sell([(bag, 2)], paid_at=at("2026-11-05"))
    deliver(order, at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    for dimension in ("village", "producer"):
        november = [row for row in rows_of(client, dimension) if row["month"] == "2026-11"]
        shown = [row["households_reached"] for row in november if not row["suppressed"]]
        assert all(count == 0 or count >= MIN_HOUSEHOLDS for count in shown)
        hidden = [row for row in november if row["suppressed"]]
        assert hidden
        assert all(row["aid_distributed_fen"] is None for row in hidden)
    # the sales themselves describe the producer, not a household
    [bag_row] = [
        row
        for row in rows_of(client, "producer")
        if row["key"] == bag.product.producer.code and row["sales_fen"]
    ]
    assert bag_row["sales_fen"] == 1980


def test_one_small_cell_is_not_left_alone_to_be_worked_out(
    client, tomato, tomato_rule, beneficiaries, bag, small_pool
):
    # One close pays the key village (3 households) and the small one (2):
    # hiding only the small one would let its figure be worked out from the
    # month's total, so the other is hidden too.
    order = sell([(tomato, 2), (bag, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    for dimension in ("village", "producer"):
        rows = rows_of(client, dimension)
        assert not [row for row in rows if row["households_reached"]]
        assert len([row for row in rows if row["suppressed"]]) == 2


def test_csv_has_a_bom_and_empty_suppressed_cells(client, october, bag, small_pool):
    order = sell([(bag, 1)], paid_at=at("2026-11-05"))
    deliver(order, at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    response = client.get("/open-data/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    hidden = [row for row in rows if row["suppressed"] == "true"]
    assert hidden
    assert all(row["aid_distributed_fen"] == row["households_reached"] == "" for row in hidden)
    assert any(row["name"] == "小王庄村" for row in rows)


def test_year_filters_the_months(client, october):
    assert rows_of(client, "village", "?year=2026")
    assert rows_of(client, "village", "?year=2025") == []


@pytest.mark.parametrize(
    "query", ["?format=xml", "?year=abc", "?year=20261", "?year=-1", "?format=csv&year=２０２６"]
)
def test_bad_parameters_are_refused_clearly(client, query):
    response = client.get(f"/open-data/{query}")

    assert response.status_code == 400
    assert response.json()["error"]


def test_empty_ledger_gives_no_rows(client, db):
    assert client.get("/open-data/").json()["rows"] == []
    assert client.get("/open-data/?format=csv").status_code == 200


def test_a_month_with_late_refunds_has_the_same_total_in_every_dimension(
    client, clock, tomato, tomato_rule, beneficiaries, staff
):
    # October's sale is distributed by October's close; one box of it is
    # refunded in November, so November's close distributes that much less.
    october = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    deliver(october, at=at("2026-10-12"))
    close_period(actor=SYSTEM, period="2026-10", now=clock.set("2026-11-02"))
    clock.set("2026-11-03")
    refund(october, staff=staff, line=october.lines.get(), quantity=1)
    november = sell([(tomato, 3)], paid_at=clock.set("2026-11-05"))
    deliver(november, at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=clock.set("2026-12-02"))

    distributed = sum(
        entry.amount_fen
        for entry in Entry.objects.filter(
            account__owner_type=Account.OwnerType.POOL,
            transaction__kind=Transaction.Kind.DISTRIBUTION,
            transaction__created_at__gte=at("2026-12-01"),
        )
    )
    assert distributed == 3 * 995 - 995
    for dimension in ("village", "producer", "category"):
        rows = [row for row in rows_of(client, dimension) if row["month"] == "2026-11"]
        assert sum(row["aid_distributed_fen"] or 0 for row in rows) == distributed, dimension
        assert {row["households_reached"] for row in rows if row["aid_distributed_fen"]} == {3}
