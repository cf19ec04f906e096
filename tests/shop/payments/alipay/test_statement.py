"""The daily bill (对账单): its download address from a signed answer, the zip, and the
GBK detail file read into statement lines in fen."""

import io
import zipfile
from datetime import datetime, time, timedelta

import pytest

from core.roles import TOWNSHIP_EDITOR
from shop.orders.checkout import place_order
from shop.payments.alipay.bill import BillError, statement_lines
from shop.payments.alipay.gateway import AlipayGateway
from shop.payments.gateway import PaymentError, StatementLine
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import start_payment, sync_payment
from tests.shop.payments.alipay.conftest import open_cashier
from tests.shop.payments.alipay.fake import BEIJING, BILL_HEADER, GbkName
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday():
    return datetime.now(BEIJING).date() - timedelta(days=1)


def test_a_days_payments_and_refunds_come_from_alipays_bill(
    on_fake, alipay_order, two_producers, address, yesterday
):
    morning = datetime.combine(yesterday, time(9, 30), tzinfo=BEIJING)
    payment, start = start_payment(order=alipay_order, gateway="alipay", method="page")
    open_cashier(start.redirect_url)
    trade = on_fake.pay(payment.merchant_reference, at=morning)
    sync_payment(payment=payment)
    on_fake.clock = lambda: morning + timedelta(hours=2)
    refund = request_refund(
        order_id=alipay_order.pk,
        actor=add_staff(TOWNSHIP_EDITOR),
        reason="质量问题",
        line_id=alipay_order.lines.get(quantity=3).pk,
        quantity=1,
    )
    execute_refund(refund_id=refund.pk)
    on_fake.clock = lambda: datetime.now(BEIJING)
    # A payment of today is in today's bill, not yesterday's.
    tomato, _bag = two_producers
    other = place_order(
        items=[(tomato.pk, 1)], email="b@example.com", address=address, gateway="alipay"
    )
    today_payment, today_start = start_payment(order=other, gateway="alipay", method="wap")
    open_cashier(today_start.redirect_url)
    on_fake.pay(today_payment.merchant_reference)

    lines = AlipayGateway().statement(day=yesterday)

    assert lines == [
        StatementLine(
            kind="payment",
            merchant_reference=payment.merchant_reference,
            external_id=trade.trade_no,
            amount_fen=14920,
            fee_fen=90,  # 0.6% of 149.20, rounded
            occurred_at=morning,
        ),
        StatementLine(
            kind="refund",
            merchant_reference=refund.merchant_reference,
            external_id=f"{trade.trade_no}:{refund.merchant_reference}",
            amount_fen=3980,
            fee_fen=24,  # given back
            occurred_at=morning + timedelta(hours=2),
        ),
    ]
    query = [call.biz for call in on_fake.calls if call.method.startswith("alipay.data")]
    assert query == [{"bill_type": "trade", "bill_date": yesterday.isoformat()}]


def test_a_day_without_trades_has_an_empty_bill(on_fake, yesterday):
    assert AlipayGateway().statement(day=yesterday) == []


def test_todays_bill_does_not_exist_yet_which_is_not_an_empty_day(on_fake):
    with pytest.raises(PaymentError):
        AlipayGateway().statement(day=datetime.now(BEIJING).date())


def test_an_unreachable_alipay_gives_no_statement(on_fake, yesterday):
    on_fake.down = True

    with pytest.raises(PaymentError):
        AlipayGateway().statement(day=yesterday)


# Reading the file itself


def bill_zip(rows: list[list[str]], *, header=BILL_HEADER, name="2088_20261005_业务明细.csv"):
    text = "\n".join(
        [
            "#支付宝业务明细查询",
            "#账号：[20880000000000000156]",
            "#-----------------------------------------业务明细列表----------------------------------------",
            ",".join(header),
            *(",".join(row) for row in rows),
            "#-----------------------------------------业务明细列表结束------------------------------------",
            "#交易合计：1笔，商家实收共12.34元",
            "#导出时间：[2026年10月06日 09:41:22]",
        ]
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bill:
        bill.writestr(GbkName(name), text.encode("gbk"))
        bill.writestr(GbkName("2088_20261005_业务明细(汇总).csv"), "合计,1".encode("gbk"))
    return archive.getvalue()


def row(kind="交易", amount="12.34", fee="-0.07", request_no="", finished="2026-10-05 10:00:00"):
    cells = dict.fromkeys(BILL_HEADER, "")
    cells |= {
        "支付宝交易号": "2026100522001400000000000001\t",
        "商户订单号": "LG261005ABCDEFP7\t",
        "业务类型": kind,
        "商品名称": "大棚番茄",
        "完成时间": finished,
        "订单金额（元）": amount,
        "商家实收（元）": amount,
        "退款批次号/请求号": f"{request_no}\t" if request_no else "",
        "服务费（元）": fee,
    }
    return [cells[column] for column in BILL_HEADER]


def read(archive: bytes) -> list[StatementLine]:
    return statement_lines(archive, zone=BEIJING)


def test_tabs_comments_and_summaries_are_left_out_and_signs_dropped():
    lines = read(
        bill_zip(
            [row(), row(kind="退款", amount="-0.01", fee="0.00", request_no="LG261005ABCDEFR9")]
        )
    )

    assert [(line.kind, line.amount_fen, line.fee_fen) for line in lines] == [
        ("payment", 1234, 7),
        ("refund", 1, 0),
    ]
    assert lines[0].merchant_reference == "LG261005ABCDEFP7"
    assert lines[1].merchant_reference == "LG261005ABCDEFR9"
    assert lines[0].occurred_at == datetime(2026, 10, 5, 10, tzinfo=BEIJING)


def test_columns_are_found_by_name_not_position():
    header = list(reversed(BILL_HEADER))

    lines = read(bill_zip([list(reversed(row()))], header=header))

    assert lines[0].amount_fen == 1234


@pytest.mark.parametrize(
    "bad",
    [
        row(amount="12.345"),  # not whole fen: never rounded
        row(amount="1.2e3"),
        row(kind="转账"),  # a kind we do not know must not vanish from a reconciliation
        row(finished="2026/10/05"),
        row()[:5],
    ],
    ids=["fraction-of-a-fen", "exponent", "kind", "time", "short"],
)
def test_a_row_that_cannot_be_read_fails_the_whole_bill(bad):
    with pytest.raises(BillError):
        read(bill_zip([row(), bad]))


@pytest.mark.parametrize(
    "archive",
    [
        b"not a zip",
        bill_zip([row()], name="summary.csv"),
        bill_zip([row()], header=["支付宝交易号"]),
    ],
    ids=["not-zip", "no-detail-file", "header"],
)
def test_a_download_that_is_not_a_bill_is_refused(archive):
    with pytest.raises(BillError):
        read(archive)
