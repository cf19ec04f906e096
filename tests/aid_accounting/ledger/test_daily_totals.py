"""The ledger's daily totals: written by the database as transactions are posted,
guarded like the ledger, checked by ``aid_verify_ledger``, filled by their migration."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from aid_accounting.ledger import daily_totals
from aid_accounting.ledger.daily_totals import verify_totals
from aid_accounting.ledger.models import DailyTotal, Entry, Transaction
from aid_accounting.ledger.posting import EntrySpec, post_transaction
from aid_accounting.transparency.impact import township_impact
from shop.orders.models import Order
from tests.aid_accounting.ledger.test_triggers import installed_triggers
from tests.township import sell

SQLITE_TRIGGERS = {
    "aid_ledger_add_daily_totals",
    "aid_ledger_daily_total_delete_guard",
    "aid_ledger_daily_total_update_guard",
}
POSTGRES_TRIGGERS = {"aid_ledger_add_daily_totals", "aid_ledger_guard_daily_total"}


def totals() -> set[tuple]:
    return set(DailyTotal.objects.values_list(*daily_totals.KEY, "amount_fen", "entry_count"))


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(IntegrityError, match="ledger"), transaction.atomic():
        execute(sql, params)


@pytest.mark.django_db
def test_the_migrations_install_the_totals_triggers():
    expected = SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRES_TRIGGERS
    assert expected <= installed_triggers()


@pytest.mark.django_db
def test_a_posting_adds_its_entries_to_its_local_day(clearing, producer_payable, pool):
    def accrue(key: str, booked_at: datetime.datetime, fen: int) -> None:
        post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key=key,
            entries=[
                EntrySpec(account=clearing, amount_fen=fen),
                EntrySpec(account=producer_payable, amount_fen=-fen + 100),
                EntrySpec(account=pool, amount_fen=-100),
            ],
            booked_at=booked_at,
        )

    # 16:30 UTC on the 9th is half past midnight on the 10th in Shanghai.
    accrue("a", datetime.datetime(2026, 10, 9, 16, 30, tzinfo=datetime.UTC), 1000)
    accrue("b", datetime.datetime(2026, 10, 10, 15, 0, tzinfo=datetime.UTC), 500)
    accrue("c", datetime.datetime(2026, 10, 10, 16, 0, tzinfo=datetime.UTC), 300)

    tenth, eleventh = datetime.date(2026, 10, 10), datetime.date(2026, 10, 11)
    assert totals() == {
        (clearing.pk, tenth, "accrual", 0, 0, "", 1500, 2),
        (producer_payable.pk, tenth, "accrual", 0, 0, "", -1300, 2),
        (pool.pk, tenth, "accrual", 0, 0, "", -200, 2),
        (clearing.pk, eleventh, "accrual", 0, 0, "", 300, 1),
        (producer_payable.pk, eleventh, "accrual", 0, 0, "", -200, 1),
        (pool.pk, eleventh, "accrual", 0, 0, "", -100, 1),
    }
    assert verify_totals() == []


@pytest.mark.django_db
def test_line_postings_carry_the_lines_producer_category_and_channel(
    tomato, bag, tomato_rule, clock
):
    online = sell([(tomato, 2), (bag, 1)], paid_at=clock.set("2026-10-10"))
    offline = sell([(tomato, 1)], paid_at=clock.set("2026-10-10"), offline=True)

    tomato_line = online.lines.get(variant=tomato)
    keyed = DailyTotal.objects.filter(
        producer_id=tomato.product.producer_id, category_id=tomato_line.category_id
    )
    sales = dict(
        keyed.filter(account__owner_type="processor_clearing").values_list("channel", "amount_fen")
    )
    assert sales == {Order.Channel.ONLINE: 2 * 3980, Order.Channel.OFFLINE: 3980}
    assert (
        DailyTotal.objects.filter(producer_id=bag.product.producer_id).aggregate(
            fen=Sum("amount_fen")
        )["fen"]
        == 0
    )  # the bag's clearing debit and its producer's credit: no aid rule
    assert offline.lines.count() == 1
    assert verify_totals() == []


@pytest.mark.django_db
def test_a_rolled_back_posting_leaves_no_totals(clearing, pool):
    # Rolled back to a savepoint: the posting's totals go with its entries.
    with pytest.raises(RuntimeError), transaction.atomic():
        post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key="gone",
            entries=[
                EntrySpec(account=clearing, amount_fen=5),
                EntrySpec(account=pool, amount_fen=-5),
            ],
        )
        assert DailyTotal.objects.count() == 2
        raise RuntimeError

    assert DailyTotal.objects.count() == 0


@pytest.mark.django_db
def test_totals_cannot_be_deleted_or_edited(sale):
    row = DailyTotal.objects.order_by("pk").first()

    refused("DELETE FROM aid_accounting_dailytotal WHERE id = %s", [row.pk])
    refused(
        "UPDATE aid_accounting_dailytotal SET amount_fen = amount_fen + 1 WHERE id = %s", [row.pk]
    )
    refused("UPDATE aid_accounting_dailytotal SET day = %s WHERE id = %s", ["2020-01-01", row.pk])
    assert verify_totals() == []


@pytest.mark.django_db
@pytest.mark.postgres
def test_on_postgresql_only_posting_writes_totals(sale, clearing):
    row = DailyTotal.objects.order_by("pk").first()

    refused(
        "UPDATE aid_accounting_dailytotal SET amount_fen = amount_fen + 1, "
        "entry_count = entry_count + 1 WHERE id = %s",
        [row.pk],
    )
    refused(
        "INSERT INTO aid_accounting_dailytotal (account_id, day, kind, producer_id, "
        "category_id, channel, amount_fen, entry_count) "
        "VALUES (%s, '2026-01-01', 'accrual', 0, 0, '', 1, 1)",
        [clearing.pk],
    )


def tamper(sql: str, params: list) -> None:
    """Edit the totals with their guards off, as someone who drops the triggers could."""
    daily_totals.uninstall(connection)
    execute(sql, params)
    daily_totals.install(connection)


@pytest.mark.django_db
def test_a_tampered_total_is_named_by_account_and_day(sale, clearing, capsys):
    day = DailyTotal.objects.get(account=clearing).day
    tamper(
        "UPDATE aid_accounting_dailytotal SET amount_fen = 1 WHERE account_id = %s",
        [clearing.pk],
    )

    (mismatch,) = verify_totals()
    with pytest.raises(CommandError, match="processor_clearing"):
        call_command("aid_verify_ledger")

    message = str(mismatch)
    assert f"account processor_clearing on {day}" in message
    assert "1 fen over 1 entries stored" in message
    assert "entries sum to 3980 fen over 1" in message
    assert message in capsys.readouterr().err


@pytest.mark.django_db
def test_a_missing_and_an_invented_total_are_reported(sale, pool):
    tamper("DELETE FROM aid_accounting_dailytotal WHERE account_id = %s", [pool.pk])
    tamper(
        "INSERT INTO aid_accounting_dailytotal (account_id, day, kind, producer_id, "
        "category_id, channel, amount_fen, entry_count) "
        "VALUES (%s, '2020-01-01', 'payout', 0, 0, '', 7, 1)",
        [pool.pk],
    )

    problems = sorted(str(problem) for problem in verify_totals())

    assert len(problems) == 2
    assert "on 2020-01-01 (payout): 7 fen over 1 entries stored" in problems[0]
    assert "0 fen over 0 entries stored, but its posted entries sum to -995 fen" in problems[1]


@pytest.mark.django_db
def test_the_verify_command_reports_intact_totals(sale, capsys):
    call_command("aid_verify_ledger")

    assert "daily totals" in capsys.readouterr().out


@pytest.mark.django_db
def test_home_figures_take_two_queries_however_long_the_ledger(
    tomato, tomato_rule, clock, django_assert_num_queries
):
    with django_assert_num_queries(2):
        township_impact()
    for day in range(1, 21):
        sell([(tomato, 1)], paid_at=clock.set(f"2026-10-{day:02d}"))

    with django_assert_num_queries(2) as captured:
        summary = township_impact()

    assert summary.accrued_fen == 20 * 995
    # Days, never the entries themselves.
    assert not any('"aid_accounting_entry"' in query["sql"] for query in captured.captured_queries)
    assert Entry.objects.count() > 60


MIGRATION = importlib.import_module("aid_accounting.migrations.0019_daily_totals")


@pytest.mark.django_db
def test_the_migration_fills_the_totals_of_an_existing_ledger(tomato, bag, tomato_rule, clock):
    sell([(tomato, 2), (bag, 1)], paid_at=clock.set("2026-10-09"))
    sell([(tomato, 1)], paid_at=clock.set("2026-10-10"), offline=True)
    before = totals()
    # The ledger as it was before the totals existed: posted, with an empty table
    # and no triggers (the migration creates the table, then runs this step).
    daily_totals.uninstall(connection)
    execute("DELETE FROM aid_accounting_dailytotal")

    # What the migration's step uses of its schema editor: the connection.
    MIGRATION.fill_and_guard(apps=None, schema_editor=SimpleNamespace(connection=connection))

    expected = SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRES_TRIGGERS
    assert expected <= installed_triggers()
    assert totals() == before
    assert sum(DailyTotal.objects.values_list("entry_count", flat=True)) == Entry.objects.count()
    # And postings go on adding to them.
    sell([(tomato, 1)], paid_at=clock.set("2026-10-11"))
    assert verify_totals() == []
