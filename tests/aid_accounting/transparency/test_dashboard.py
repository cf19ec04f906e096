"""The township dashboard: its figures come from the ledger, add up across
every breakdown, equal aid_reconcile's, and only the staff roles see them."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Max, Min, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aid_accounting.audit.reconcile import reconcile
from aid_accounting.calendar import Year, parse_span
from aid_accounting.exceptions import PeriodError
from aid_accounting.ledger.models import Transaction
from aid_accounting.transparency.dashboard import Figures, dashboard
from core.roles import BUYER, TOWNSHIP_EDITOR
from producers.models import ProducerMembership
from shop.orders.models import OrderLine
from tests.factories import UserFactory
from tests.township import sell

pytestmark = pytest.mark.django_db


DASHBOARD = reverse("aid_dashboard")
LINE_FIGURES = ["sales_fen", "refunded_fen", "aid_accrued_fen", "aid_reversed_fen"]


def paid_lines():
    return OrderLine.objects.filter(order__paid_at__isnull=False).aggregate(
        sales=Sum("total_fen"), refunded=Sum("refunded_fen")
    )


def test_the_years_totals_are_reconciles_and_the_orders(township):
    report = reconcile()
    assert report.ok
    totals = dashboard(period=Year(2026)).totals
    figures = report.figures

    assert totals.aid_accrued_fen == figures["aid_accrued_fen"] == 995 * 6
    assert totals.aid_reversed_fen == figures["aid_reversed_fen"] == 995
    assert totals.distributed_fen == figures["aid_distributed_fen"] == 995 * 2
    assert totals.paid_out_fen + totals.producer_paid_out_fen == figures["paid_out_fen"]
    assert totals.paid_out_fen == 995 * 2
    assert totals.payable_fen == 0
    # What is left in the pool: November's three boxes.
    assert totals.undistributed_fen == 995 * 3
    lines = paid_lines()
    assert (totals.sales_fen, totals.refunded_fen) == (lines["sales"], lines["refunded"])


def test_a_month_is_compared_with_the_one_before(township):
    board = dashboard(period=parse_span("2026-11"))

    assert board.previous.sales_fen == 3 * 3980 + 3 * 990
    assert board.previous.aid_accrued_fen == 995 * 3
    assert board.previous.distributed_fen == 0
    assert board.previous.payable_fen == 0
    assert board.totals.sales_fen == 3 * 3980
    assert (board.totals.distributed_fen, board.totals.paid_out_fen) == (995 * 2, 995 * 2)


@pytest.mark.parametrize("period", ["2026", "2026-10", "2026-11"])
def test_every_breakdown_adds_up_to_the_totals(township, period):
    board = dashboard(period=parse_span(period))
    for rows in (board.by_village, board.by_producer, board.by_category, board.by_channel):
        for name in LINE_FIGURES:
            assert sum(getattr(row, name) for row in rows) == getattr(board.totals, name), name
    for name in ("distributed_fen", "paid_out_fen", "payable_fen"):
        assert sum(getattr(row, name) for row in board.by_village) == getattr(board.totals, name)


def test_channels_are_told_apart(township):
    channels = {row.key: row for row in dashboard(period=parse_span("2026-10")).by_channel}

    assert channels["offline"].sales_fen == 3980
    assert channels["online"].sales_fen == 2 * 3980 + 3 * 990
    assert str(channels["offline"].label).startswith("线下")


def test_the_number_of_queries_does_not_grow_with_the_sales(clock, tomato, bag, tomato_rule):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard(period=Year(2026))
        return len(captured)

    for _ in range(2):
        sell([(tomato, 1), (bag, 1)], paid_at=clock.set("2026-10-10"))
    with_two = queries()
    for _ in range(8):
        sell([(tomato, 1), (bag, 1)], paid_at=clock.set("2026-10-11"))
    assert queries() == with_two


@pytest.mark.parametrize(
    "code", ["2026-13", "26-10", "abc", "2026-1x", "0000", "", "0001-01", "9999", "2026-10-01"]
)
def test_a_bad_period_is_refused(code):
    with pytest.raises(PeriodError):
        parse_span(code)


# The admin page -------------------------------------------------------------------


def member_of(group: str):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


def test_auditor_officer_and_editor_see_the_dashboard(client, township, auditor, aid_officer):
    for user in (auditor, aid_officer, member_of(TOWNSHIP_EDITOR)):
        client.force_login(user)
        response = client.get(DASHBOARD, {"period": "2026-10"})
        assert response.status_code == 200
        content = response.content.decode()
        assert 'id="aid-dashboard-data"' in content
        assert "vendor/chartjs/chart.umd.min.js" in content
        # No inline script: the only script elements load files or hold JSON.
        assert "<script>" not in content


def test_a_bad_period_shows_a_message_not_an_error(client, auditor):
    client.force_login(auditor)
    response = client.get(DASHBOARD, {"period": "2026-13"}, follow=True)

    assert response.status_code == 200
    assert "不是有效的期间" in response.content.decode()


def test_others_cannot_open_the_dashboard(client, tomato):
    assert client.get(DASHBOARD).status_code == 302
    producer_member = UserFactory()
    ProducerMembership.objects.create(producer=tomato.product.producer, user=producer_member)
    for user in (member_of(BUYER), producer_member):
        client.force_login(user)
        assert client.get(DASHBOARD).status_code in (302, 403)


# The demo: the acceptance --------------------------------------------------


def assert_the_dashboards_years_add_up_to_aid_reconcile() -> None:
    """Checked on the whole demo by tests/test_demo_year.py, which seeds it once
    for all its checks (seeding takes a minute or more)."""
    report = reconcile()
    assert report.ok
    span = Transaction.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    years = range(timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year + 1)
    boards = [dashboard(period=Year(year)) for year in years]
    total = {
        name: sum(getattr(board.totals, name) for board in boards)
        for name in [*Figures.__dataclass_fields__, "producer_paid_out_fen"]
    }

    assert total["aid_accrued_fen"] == report.figures["aid_accrued_fen"] > 0
    assert total["aid_reversed_fen"] == report.figures["aid_reversed_fen"]
    assert total["distributed_fen"] == report.figures["aid_distributed_fen"] > 0
    assert total["paid_out_fen"] + total["producer_paid_out_fen"] == report.figures["paid_out_fen"]
    lines = paid_lines()
    assert (total["sales_fen"], total["refunded_fen"]) == (lines["sales"], lines["refunded"])
    # The last year's balances are everything's.
    assert boards[-1].totals.payable_fen == (
        report.figures["aid_distributed_fen"] - total["paid_out_fen"]
    )
