"""The dashboard reads the ledger's daily totals: what it shows is what the old
reading, aggregates over the posted entries themselves, gives; and its queries
do not grow with the days or the sales."""

import pytest
from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aid_accounting.calendar import Span, Year, parse_span
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.transparency.dashboard import Row, dashboard
from tests.township import sell

pytestmark = pytest.mark.django_db

Kind = Transaction.Kind

OwnerType = Account.OwnerType

LINE_FIGURES = ["sales_fen", "refunded_fen", "aid_accrued_fen", "aid_reversed_fen"]


def _owner(owner_type: str) -> Q:
    return Q(account__owner_type=owner_type)


_LINE = Q(order_line__isnull=False)

# The dashboard's figures as filters of entries, with the sign that makes each positive.
LINE = {
    "sales_fen": (
        _LINE & _owner(OwnerType.PROCESSOR_CLEARING) & Q(transaction__kind=Kind.ACCRUAL),
        1,
    ),
    "refunded_fen": (
        _LINE & _owner(OwnerType.PROCESSOR_CLEARING) & Q(transaction__kind=Kind.REVERSAL),
        -1,
    ),
    "aid_accrued_fen": (_owner(OwnerType.POOL) & Q(transaction__kind=Kind.ACCRUAL), -1),
    "aid_reversed_fen": (_owner(OwnerType.POOL) & Q(transaction__kind=Kind.REVERSAL), 1),
}
HOUSEHOLD = {
    "distributed_fen": (_owner(OwnerType.HOUSEHOLD) & Q(transaction__kind=Kind.DISTRIBUTION), -1),
    "paid_out_fen": (_owner(OwnerType.HOUSEHOLD) & Q(transaction__kind=Kind.PAYOUT), 1),
}
TOTALS = {
    **LINE,
    "distributed_fen": (_owner(OwnerType.POOL) & Q(transaction__kind=Kind.DISTRIBUTION), 1),
    "paid_out_fen": HOUSEHOLD["paid_out_fen"],
    "producer_paid_out_fen": (_owner(OwnerType.PRODUCER) & Q(transaction__kind=Kind.PAYOUT), 1),
}


def _posted() -> QuerySet[Entry]:
    return Entry.objects.filter(transaction__posted=True)


def _sums(entries: QuerySet[Entry], figures: dict, **group) -> list[dict]:
    sums = {name: Sum("amount_fen", filter=condition) for name, (condition, _s) in figures.items()}
    rows = entries.values(**group).annotate(**sums) if group else [entries.aggregate(**sums)]
    return [
        {**row, **{name: sign * (row[name] or 0) for name, (_c, sign) in figures.items()}}
        for row in rows
    ]


def entries_totals(period: Span) -> dict[str, int]:
    (row,) = _sums(_posted().filter(period.contains("transaction__created_at")), TOTALS)
    until = _posted().filter(transaction__created_at__lt=period.ends_at)
    balances = {
        name: -(until.filter(_owner(owner)).aggregate(fen=Sum("amount_fen"))["fen"] or 0)
        for name, owner in (
            ("payable_fen", OwnerType.HOUSEHOLD),
            ("undistributed_fen", OwnerType.POOL),
        )
    }
    return {**{name: row[name] for name in TOTALS}, **balances}


def entries_lines(period: Span, field: str) -> dict[str, tuple]:
    entries = _posted().filter(period.contains("transaction__created_at"), _LINE)
    return {
        str(row["key"]): tuple(row[name] for name in LINE_FIGURES)
        for row in _sums(entries, LINE, key=F(field))
    }


def entries_households(period: Span) -> dict[str, tuple]:
    """Per village: its households' distributed and paid out in the period, payable at its end."""
    entries = _posted().filter(
        _owner(OwnerType.HOUSEHOLD), transaction__created_at__lt=period.ends_at
    )
    village_of = dict(Household.objects.values_list("pk", "village_id"))
    villages: dict[str, list[int]] = {}
    for entry in entries.values(
        "account__owner_id", "amount_fen", "transaction__kind", "transaction__created_at"
    ):
        figures = villages.setdefault(str(village_of[entry["account__owner_id"]]), [0, 0, 0])
        figures[2] -= entry["amount_fen"]
        if period.starts_at <= entry["transaction__created_at"] < period.ends_at:
            if entry["transaction__kind"] == Kind.DISTRIBUTION:
                figures[0] -= entry["amount_fen"]
            elif entry["transaction__kind"] == Kind.PAYOUT:
                figures[1] += entry["amount_fen"]
    return {key: tuple(figures) for key, figures in villages.items()}


def _lines(rows: list[Row]) -> dict[str, tuple]:
    return {
        row.key: tuple(getattr(row, name) for name in LINE_FIGURES)
        for row in rows
        if any(getattr(row, name) for name in LINE_FIGURES)
    }


def _nonzero(rows: dict[str, tuple]) -> dict[str, tuple]:
    return {key: figures for key, figures in rows.items() if any(figures)}


def assert_the_dashboard_is_what_the_entries_sum(period: Span) -> None:
    """Checked on the whole demo by tests/test_demo_year.py too."""
    board = dashboard(period=period)
    for totals, span in ((board.totals, period), (board.previous, period.previous())):
        expected = entries_totals(span)
        assert {name: getattr(totals, name) for name in expected} == expected, span
    assert _lines(board.by_producer) == _nonzero(entries_lines(period, "order_line__producer_id"))
    assert _lines(board.by_category) == _nonzero(entries_lines(period, "order_line__category_id"))
    assert _lines(board.by_channel) == _nonzero(entries_lines(period, "order_line__order__channel"))
    assert _lines(board.by_village) == _nonzero(
        entries_lines(period, "order_line__producer__village_id")
    )
    households = {
        row.key: (row.distributed_fen, row.paid_out_fen, row.payable_fen)
        for row in board.by_village
        if (row.distributed_fen, row.paid_out_fen, row.payable_fen) != (0, 0, 0)
    }
    assert households == _nonzero(entries_households(period))


@pytest.mark.parametrize("period", ["2026", "2026-10", "2026-11", "2026-12"])
def test_the_dashboard_is_what_the_entries_sum(township, period):
    assert_the_dashboard_is_what_the_entries_sum(parse_span(period))


def test_the_dashboard_takes_six_queries_however_many_days_and_sales(
    clock, tomato, bag, tomato_rule, django_assert_num_queries
):
    sell([(tomato, 1), (bag, 1)], paid_at=clock.set("2026-10-10"))
    with django_assert_num_queries(6):
        dashboard(period=Year(2026))
    for day in range(11, 31):
        sell([(tomato, 1), (bag, 2)], paid_at=clock.set(f"2026-10-{day}"), offline=day % 2 == 0)

    with django_assert_num_queries(6) as captured:
        board = dashboard(period=Year(2026))

    assert board.totals.sales_fen == 3980 + 990 + 20 * (3980 + 2 * 990)
    # Days, never the entries themselves.
    assert not any('"aid_accounting_entry"' in query["sql"] for query in captured.captured_queries)


def test_the_admin_page_takes_as_many_queries_for_a_day_or_a_month_of_sales(
    client, clock, tomato, bag, tomato_rule, auditor
):
    url = reverse("aid_dashboard") + "?period=2026"

    def queries() -> int:
        # Logged in on the simulated clock's day, so the session has not expired.
        client.force_login(auditor)
        client.get(url)  # the first request of a session warms caches (site, permissions)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    sell([(tomato, 1), (bag, 1)], paid_at=clock.set("2026-10-10"))
    one_day = queries()
    for day in range(11, 31):
        sell([(tomato, 1), (bag, 2)], paid_at=clock.set(f"2026-10-{day}"), offline=day % 2 == 0)

    assert queries() == one_day
