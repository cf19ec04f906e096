"""The producer's earnings statement in the portal: read from the ledger, only
the producer's own, the same on the page and in the CSV."""

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.audit.reconcile import reconcile
from aid_accounting.ledger.posting import balance, producer_account
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.payouts.statements import monthly_statement, statement_lines
from core.money import format_yuan_signed, yuan_amount
from producers.models import ProducerMembership
from tests.aid_accounting.factories import ProducerPayoutAccountFactory
from tests.factories import UserFactory
from tests.township import at, deliver, pay_out, refund, sell

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:earnings")
CSV = reverse("portal:earnings_csv")


def pay_producers(*, drafter, approver) -> None:
    pay_out(PayoutBatch.Kind.PRODUCER, drafter=drafter, approver=approver)


@pytest.fixture
def producer_a(tomato):
    return tomato.product.producer


@pytest.fixture
def producer_b(bag):
    return bag.product.producer


@pytest.fixture
def trading(clock, tomato, bag, tomato_rule, staff, aid_officer, second_officer):
    """October: one order of 2 tomato boxes (A, 25% aid) and 3 bags (B, no rule),
    ¥10 shipping each; one box refunded; A paid (B has no payout account, so
    waits). November: 3 more boxes (free shipping). Seen on 1 December."""
    ProducerPayoutAccountFactory(producer=tomato.product.producer)
    order = sell([(tomato, 2), (bag, 3)], paid_at=clock.set("2026-10-10"))
    clock.set("2026-10-12")
    refund(order, staff=staff, line=order.lines.get(variant=tomato), quantity=1)
    deliver(order, at=at("2026-10-12"))
    clock.set("2026-10-20")
    pay_producers(drafter=aid_officer, approver=second_officer)
    sell([(tomato, 3)], paid_at=clock.set("2026-11-05"))
    clock.set("2026-12-01")
    return order


def log_in_member(client, producer):
    user = UserFactory()
    ProducerMembership.objects.create(producer=producer, user=user)
    client.force_login(user)
    return client


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def read_csv(response) -> list[dict[str, str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


COLUMNS = {
    "sales_fen": "销售额（元）",
    "refunded_fen": "退款（元）",
    "aid_fen": "帮扶金（元）",
    "shipping_fen": "运费（元）",
    "payable_fen": "应得（元）",
    "paid_out_fen": "收到付款（元）",
}


# The figures ------------------------------------------------------------------


def test_a_month_with_a_sale_a_partial_refund_and_a_payout(trading, producer_a):
    statement = monthly_statement(producer=producer_a, year=2026)

    october, november = statement.months
    assert (october.month.code, november.month.code) == ("2026-10", "2026-11")
    # 2 × ¥39.80 less one refunded; aid 25% = 1990, of which 995 reversed; ¥10 shipping.
    assert (
        october.sales_fen,
        october.refunded_fen,
        october.net_sales_fen,
        october.aid_fen,
        october.shipping_fen,
        october.payable_fen,
        october.paid_out_fen,
        october.balance_fen,
    ) == (7960, 3980, 3980, 995, 1000, 3985, 3985, 0)
    assert [(aid.pool, aid.aid_fen) for aid in october.pools] == [("重点村帮扶资金池", 995)]
    assert (november.sales_fen, november.aid_fen, november.shipping_fen) == (11940, 2985, 0)
    assert (november.payable_fen, november.paid_out_fen, november.balance_fen) == (8955, 0, 8955)
    assert statement.opening_balance_fen == 0


def test_the_statement_says_what_the_ledger_says(trading, producer_a):
    statement = monthly_statement(producer=producer_a, year=2026)
    totals = statement.totals
    lines = LineAccrual.objects.filter(line__producer=producer_a).aggregate(
        sales=Sum("line_total_fen"),
        refunded=Sum("refunded_fen"),
        aid=Sum(F("aid_fen") - F("reversed_fen")),
    )
    paid = PayoutRow.objects.filter(producer=producer_a, status=PayoutRow.Status.PAID).aggregate(
        total=Sum("amount_fen")
    )

    assert reconcile().ok
    assert statement.closing_balance_fen == balance(producer_account(producer_a)) == 8955
    assert (totals.sales_fen, totals.refunded_fen, totals.aid_fen) == (
        lines["sales"],
        lines["refunded"],
        lines["aid"],
    )
    assert totals.paid_out_fen == paid["total"] == 3985
    for month in statement.months:
        assert month.payable_fen == (month.net_sales_fen - month.aid_fen + month.shipping_fen), (
            month.month
        )


def test_a_refund_counts_in_the_month_it_is_made(clock, tomato, tomato_rule, staff, producer_a):
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    clock.set("2026-11-03")
    refund(order, staff=staff, line=order.lines.get(), quantity=1)

    october, november = monthly_statement(producer=producer_a, year=2026).months

    assert (october.sales_fen, october.refunded_fen, october.aid_fen) == (7960, 0, 1990)
    assert (november.sales_fen, november.refunded_fen, november.aid_fen) == (0, 3980, -995)
    assert november.payable_fen == -2985


def test_a_year_starts_from_what_the_last_one_left_unpaid(clock, tomato, tomato_rule, producer_a):
    sell([(tomato, 1)], paid_at=clock.set("2025-12-30"))
    sell([(tomato, 1)], paid_at=clock.set("2026-01-02"))

    last_year = monthly_statement(producer=producer_a, year=2025)
    this_year = monthly_statement(producer=producer_a, year=2026)

    # No rule before 2026: the whole ¥39.80 and ¥10 shipping; then 3980 − 995 + 1000.
    assert last_year.closing_balance_fen == this_year.opening_balance_fen == 4980
    assert this_year.closing_balance_fen == 4980 + 3985 == balance(producer_account(producer_a))


def test_the_lines_add_up_to_the_months(trading, producer_a):
    statement = monthly_statement(producer=producer_a, year=2026)
    lines = statement_lines(producer=producer_a, year=2026)

    by_month = defaultdict(lambda: defaultdict(int))
    for line in lines:
        for name in COLUMNS:
            by_month[timezone.localtime(line.booked_at).strftime("%Y-%m")][name] += getattr(
                line, name
            )
    for month in statement.months:
        assert by_month[month.month.code] == {name: getattr(month, name) for name in COLUMNS}
    assert [line.kind for line in lines] == ["sale", "shipping", "refund", "payout", "sale"]
    assert lines[-1].balance_fen == statement.closing_balance_fen


@pytest.mark.parametrize(
    ("fen_amount", "text"),
    [(0, "0.00"), (5, "0.05"), (1250, "12.50"), (-995, "-9.95"), (123456, "1234.56")],
)
def test_yuan_is_formatted_from_integers(fen_amount, text):
    assert yuan_amount(fen_amount) == text


@pytest.mark.parametrize(
    ("fen_amount", "text"), [(1000, "+¥10.00"), (1, "+¥0.01"), (0, "¥0.00"), (-995, "-¥9.95")]
)
def test_a_change_is_signed_only_when_it_adds(fen_amount, text):
    assert format_yuan_signed(fen_amount) == text


# The pages ----------------------------------------------------------------------


def test_the_page_shows_a_card_per_month(trading, producer_a, client):
    response = log_in_member(client, producer_a).get(PAGE)

    assert response.status_code == 200
    assert response.context["statement"].year == 2026
    page = response.content.decode()
    assert page.count('class="panel earnings-month"') == 2
    for figure in ("¥79.60", "-¥39.80", "-¥9.95", "+¥10.00", "¥39.85", "¥89.55"):
        assert figure in page
    assert "重点村帮扶资金池" in page
    assert "<script" not in page


def test_the_csv_adds_up_to_the_page(trading, producer_a, client):
    client = log_in_member(client, producer_a)
    statement = client.get(PAGE).context["statement"]

    response = client.get(CSV, {"year": "2026"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="earnings-{producer_a.code}-2026.csv"'
    )
    rows = read_csv(response)
    opening, postings = rows[0], rows[1:]
    assert (opening["类型"], opening["未付余额（元）"]) == ("上年结转", "0.00")
    sums = defaultdict(lambda: defaultdict(int))
    for row in postings:
        for name, column in COLUMNS.items():
            sums[row["月份"]][name] += fen(row[column])
    for month in statement.months:
        assert sums[month.month.code] == {name: getattr(month, name) for name in COLUMNS}
    assert fen(postings[-1]["未付余额（元）"]) == statement.closing_balance_fen
    assert postings[0]["摘要"] == "大棚番茄·5斤装"
    assert postings[0]["帮扶资金池"] == "重点村帮扶资金池"
    assert postings[0]["订单号或付款批次"] == trading.number


def test_another_producers_sales_never_show(trading, producer_a, producer_b, client):
    client = log_in_member(client, producer_a)

    page = client.get(PAGE).content.decode()
    rows = read_csv(client.get(CSV))

    # B sold 3 bags for ¥29.70 with ¥10 shipping, in the same order as A's boxes.
    assert "¥29.70" not in page
    assert "¥39.70" not in page
    assert not any("购物袋" in row["摘要"] for row in rows)
    assert {row["销售额（元）"] for row in rows[1:]} <= {"0.00", "79.60", "119.40"}
    # ... and B's own page has them.
    b_statement = monthly_statement(producer=producer_b, year=2026)
    assert (b_statement.totals.sales_fen, b_statement.totals.shipping_fen) == (2970, 1000)


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/portal/login/?next={url}"


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_a_user_who_is_no_member_is_sent_to_log_in(client, url, producer_a):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/portal/login/")


@pytest.mark.parametrize("url", [PAGE, CSV])
@pytest.mark.parametrize(
    "year", ["abc", "", "2025", "2027", "-1", "2026.0", "0x7ea", "9" * 5000, "２０２６ "]
)
def test_a_bad_year_is_not_found(clock, producer_a, client, url, year):
    clock.set("2026-12-01")

    response = log_in_member(client, producer_a).get(url, {"year": year})

    assert response.status_code == 404


def test_an_earlier_year_with_postings_can_be_chosen(clock, tomato, producer_a, client):
    sell([(tomato, 1)], paid_at=clock.set("2025-06-10"))
    clock.set("2026-03-01")
    client = log_in_member(client, producer_a)

    this_year = client.get(PAGE)
    last_year = client.get(PAGE, {"year": "2025"})

    assert this_year.context["statement"].year == 2026
    assert this_year.context["years"] == [2025, 2026]
    assert last_year.context["statement"].months[0].sales_fen == 3980
    assert "?year=2025" in this_year.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_months(
    clock, tomato, tomato_rule, producer_a, client
):
    clock.set("2026-12-20")
    client = log_in_member(client, producer_a)

    def queries(url: str) -> int:
        client.get(url)  # sessions, caches and the like warmed up alike
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for month in (1, 2):
        sell([(tomato, 1)], paid_at=at(f"2026-{month:02d}-10"))
    two = (queries(PAGE), queries(CSV))
    for month in range(3, 13):
        sell([(tomato, 1)], paid_at=at(f"2026-{month:02d}-10"))
    twelve = (queries(PAGE), queries(CSV))

    assert len(monthly_statement(producer=producer_a, year=2026).months) == 12
    assert two == twelve
