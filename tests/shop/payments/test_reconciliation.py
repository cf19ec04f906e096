"""Daily statement reconciliation (对账) with the dummy gateway, whose statement
is read from our own records: a mismatch is made by changing the shop's
records after the statement was downloaded (or making a sale after it), as a
provider's statement and the shop would disagree."""

import dataclasses
import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from config.celery import app as celery_app
from core.money import format_yuan
from shop.orders.models import Order, OrderEvent
from shop.payments.models import (
    GatewayStatement,
    GatewayStatementLine,
    Payment,
    Refund,
    StatementDifference,
)
from shop.payments.reconciliation import (
    Download,
    ReconciliationError,
    day_bounds,
    download_statement,
    explain_difference,
    reconcile_day,
    record_statement,
)
from shop.payments.services import payment_succeeded, refund_failed_at_gateway
from shop.tasks import reconcile_statements
from tests.township import at, refund, sell

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 10)
Kind = StatementDifference.Kind


def beijing(text: str) -> datetime.datetime:
    """An instant given in Beijing time, "2026-10-10T23:59:59"."""
    return datetime.datetime.fromisoformat(text).replace(
        tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )


def download(day: datetime.date = DAY) -> Download:
    return download_statement(gateway="dummy", day=day)


def surplus_payment(order: Order, *, paid_at: datetime.datetime) -> Payment:
    """A second payment of a paid order (the buyer paid twice): surplus."""
    payment = Payment.objects.create(
        order=order,
        gateway="dummy",
        method="card",
        amount_fen=order.total_fen,
        idempotency_key=f"twice-{order.number}",
    )
    return payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)


def differences(statement: GatewayStatement) -> set[tuple]:
    return {
        (d.kind, d.merchant_reference, d.shop_amount_fen, d.gateway_amount_fen)
        for d in statement.differences.all()
    }


def shop_records() -> tuple:
    return (
        list(Payment.objects.order_by("pk").values()),
        list(Refund.objects.order_by("pk").values()),
        list(Order.objects.order_by("pk").values()),
        OrderEvent.objects.count(),
    )


def test_a_day_that_agrees_is_matched_line_by_line_with_its_totals(clock, tomato, bag, staff):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    first = sell([(tomato, 2)], paid_at=at("2026-10-10", 9))
    second = sell([(bag, 3)], paid_at=at("2026-10-10", 15))
    surplus = surplus_payment(second, paid_at=at("2026-10-10", 16))
    sell([(tomato, 1)], paid_at=at("2026-10-11", 9))  # another day
    clock.set("2026-10-10")
    line_refund = refund(first, staff=staff, line=first.lines.get(), quantity=1)

    statement = reconcile_day(gateway="dummy", day=DAY)

    assert statement.status == GatewayStatement.Status.MATCHED
    assert statement.current
    assert not statement.differences.exists()
    assert statement.lines_count == 4
    assert statement.charges_fen == first.total_fen + 2 * second.total_fen
    assert statement.refunds_fen == line_refund.amount_fen == tomato.price_fen
    assert statement.fees_fen == 0
    matched = {(line.kind, line.payment_id, line.refund_id) for line in statement.lines.all()}
    assert matched == {
        ("payment", first.payments.get().pk, None),
        ("payment", second.payments.get(surplus=False).pk, None),
        ("payment", surplus.pk, None),  # a surplus payment is a charge like any other
        ("refund", None, line_refund.pk),
    }


def test_every_kind_of_difference_is_listed_and_none_is_fixed(clock, tomato, staff):
    clock.set("2026-10-10")
    agreed = sell([(tomato, 1)], paid_at=at("2026-10-10", 8))
    altered = sell([(tomato, 1)], paid_at=at("2026-10-10", 9))
    forgotten = sell([(tomato, 1)], paid_at=at("2026-10-10", 10))
    refunded = [sell([(tomato, 2)], paid_at=at("2026-10-10", 11)) for _ in range(3)]
    altered_refund, forgotten_refund = (
        refund(order, staff=staff, line=order.lines.get(), quantity=1) for order in refunded[:2]
    )
    statement_lines = download()
    # After the statement was cut: the shop's records drift, and more business is done.
    Payment.objects.filter(order=altered).update(amount_fen=altered.total_fen + 100)
    forgotten_reference = forgotten.payments.get().merchant_reference
    Payment.objects.filter(order=forgotten).delete()
    Refund.objects.filter(pk=altered_refund.pk).update(amount_fen=altered_refund.amount_fen - 1)
    Refund.objects.filter(pk=forgotten_refund.pk).update(status=Refund.Status.FAILED)
    late = sell([(tomato, 1)], paid_at=at("2026-10-10", 20))
    late_refund = refund(refunded[2], staff=staff, line=refunded[2].lines.get(), quantity=1)
    before = shop_records()

    statement = record_statement(download=statement_lines)

    price = tomato.price_fen
    assert statement.status == GatewayStatement.Status.DIFFERENCES
    assert differences(statement) == {
        (
            Kind.AMOUNT_DIFFERS,
            altered.payments.get().merchant_reference,
            altered.total_fen + 100,
            altered.total_fen,
        ),
        (Kind.MISSING_IN_SHOP, forgotten_reference, None, forgotten.total_fen),
        (Kind.MISSING_AT_GATEWAY, late.payments.get().merchant_reference, late.total_fen, None),
        (Kind.REFUND_AMOUNT_DIFFERS, altered_refund.merchant_reference, price - 1, price),
        (Kind.REFUND_MISSING_IN_SHOP, forgotten_refund.merchant_reference, None, price),
        (Kind.REFUND_MISSING_AT_GATEWAY, late_refund.merchant_reference, price, None),
    }
    assert statement.differences.get(kind=Kind.MISSING_IN_SHOP).detail == "本店没有这笔付款"
    assert statement.differences.get(kind=Kind.REFUND_MISSING_IN_SHOP).detail == "本店记录为“失败”"
    assert not statement.differences.filter(merchant_reference__startswith=agreed.number).exists()
    assert shop_records() == before  # listed, never corrected
    assert not statement.differences.filter(resolved_at__isnull=False).exists()


def test_a_surplus_payment_is_named_as_such_when_it_differs(clock, tomato):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    order = sell([(tomato, 1)], paid_at=at("2026-10-10"))
    surplus = surplus_payment(order, paid_at=at("2026-10-10", 11))
    statement_lines = download()
    Payment.objects.filter(pk=surplus.pk).update(amount_fen=1)
    late = sell([(tomato, 1)], paid_at=at("2026-10-10", 12))
    late_surplus = surplus_payment(late, paid_at=at("2026-10-10", 13))

    statement = record_statement(download=statement_lines)

    assert {(d.kind, d.merchant_reference, d.detail) for d in statement.differences.all()} == {
        (Kind.AMOUNT_DIFFERS, surplus.merchant_reference, "本店记为多收款项"),
        (Kind.MISSING_AT_GATEWAY, late.payments.get(surplus=False).merchant_reference, ""),
        (Kind.MISSING_AT_GATEWAY, late_surplus.merchant_reference, "本店记为多收款项"),
    }


def test_lines_match_by_the_providers_id_and_a_line_given_twice_is_listed(clock, tomato):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    order = sell([(tomato, 1)], paid_at=at("2026-10-10"))
    Payment.objects.filter(order=order).update(external_id="4200001234")
    (line,) = download().lines
    # The provider's own id with a reference we never issued; then the same line again.
    renamed = dataclasses.replace(line, merchant_reference="NOT-OURS")
    statement = record_statement(
        download=Download(
            gateway="dummy", day=DAY, fetched_at=at("2026-10-11"), lines=(renamed, line)
        )
    )

    first, second = statement.lines.order_by("pk")
    assert first.payment == order.payments.get()
    assert second.payment is None
    difference = statement.differences.get()
    assert (difference.kind, difference.detail) == (Kind.MISSING_IN_SHOP, "对账单上重复出现")


def test_a_refund_that_failed_at_the_provider_is_listed_when_the_statement_has_it(
    clock, tomato, staff
):
    clock.set("2026-10-10")
    order = sell([(tomato, 1)], paid_at=at("2026-10-10"))
    failed = refund(order, staff=staff)
    refund_failed_at_gateway(refund_id=failed.pk, message="ABNORMAL")

    statement = reconcile_day(gateway="dummy", day=DAY)

    difference = statement.differences.get()
    assert (difference.kind, difference.detail) == (
        Kind.REFUND_MISSING_IN_SHOP,
        "本店记为平台退款失败",
    )


def test_the_day_runs_from_midnight_to_midnight_beijing_time(tomato):
    nothing_yet = download()
    assert nothing_yet.lines == ()
    times = {
        "before": beijing("2026-10-09T23:59:59.999999"),
        "first": beijing("2026-10-10T00:00:00"),  # 2026-10-09 16:00 UTC
        "last": beijing("2026-10-10T23:59:59.999999"),
        "after": beijing("2026-10-11T00:00:00"),
        "next morning": beijing("2026-10-11T07:00:00"),  # 2026-10-10 23:00 UTC
    }
    references = {
        name: sell([(tomato, 1)], paid_at=paid_at).payments.get().merchant_reference
        for name, paid_at in times.items()
    }

    statement = record_statement(download=nothing_yet)

    assert day_bounds(DAY) == (times["first"], times["after"])
    assert {d.merchant_reference for d in statement.differences.all()} == {
        references["first"],
        references["last"],
    }
    assert reconcile_day(gateway="dummy", day=DAY).lines_count == 2


def test_a_refund_the_provider_dates_after_midnight_is_no_difference(clock, tomato, staff):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    day_before_the_refund = download()
    clock.now = beijing("2026-10-11T00:10:00")
    made = refund(order, staff=staff, line=order.lines.get(), quantity=1)
    reconcile_day(gateway="dummy", day=DAY + datetime.timedelta(days=1))
    # The shop asked just before midnight; the provider refunded just after.
    Refund.objects.filter(pk=made.pk).update(created_at=beijing("2026-10-10T23:50:00"))

    statement = record_statement(download=day_before_the_refund)

    assert statement.status == GatewayStatement.Status.MATCHED


def test_running_a_day_again_replaces_its_result_and_keeps_each_run(
    clock, tomato, staff, aid_officer
):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    order = sell([(tomato, 1)], paid_at=at("2026-10-10"))
    statement_lines = download()
    Payment.objects.filter(order=order).update(amount_fen=1)
    first = record_statement(download=statement_lines)
    explained = explain_difference(
        difference_id=first.differences.get().pk, actor=staff, note="平台少收一分，已核对"
    )

    second = record_statement(download=statement_lines)
    third = reconcile_day(gateway="dummy", day=DAY)  # the provider now says 1 fen too

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current, second.current, third.current) == (False, False, True)
    assert GatewayStatement.objects.get(gateway="dummy", day=DAY, current=True) == third
    assert GatewayStatement.objects.filter(gateway="dummy", day=DAY).count() == 3
    assert GatewayStatementLine.objects.filter(statement=second).count() == 1
    carried = second.differences.get()
    assert carried.key == explained.key
    assert (carried.resolved_by, carried.resolved_at, carried.resolution_note) == (
        staff,
        explained.resolved_at,
        "平台少收一分，已核对",
    )
    assert third.status == GatewayStatement.Status.MATCHED
    with pytest.raises(ReconciliationError, match="取代"):
        explain_difference(difference_id=carried.pk, actor=aid_officer, note="再说明一次")


def test_a_difference_is_explained_once_and_with_a_note(clock, tomato, staff):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    statement_lines = download()
    sell([(tomato, 1)], paid_at=at("2026-10-10"))
    difference = record_statement(download=statement_lines).differences.get()

    with pytest.raises(ReconciliationError):
        explain_difference(difference_id=difference.pk, actor=staff, note="  ")
    explain_difference(difference_id=difference.pk, actor=staff, note="次日入账")
    with pytest.raises(ReconciliationError, match="说明过"):
        explain_difference(difference_id=difference.pk, actor=staff, note="改一下")

    difference.refresh_from_db()
    assert (difference.resolved_by, difference.resolved_at) == (staff, clock.now)
    assert difference.resolution_note == "次日入账"


@override_settings(PRODUCTION=True)
def test_a_download_the_gateway_refuses_is_recorded_as_failed():
    # The dummy gateway refuses to work in production: a refusal like a provider's.
    statement = reconcile_day(gateway="dummy", day=DAY)

    assert statement.status == GatewayStatement.Status.FAILED
    assert "refused in production" in statement.error
    assert statement.current
    assert not statement.lines.exists()


def test_a_gateway_without_a_statement_is_refused():
    with pytest.raises(ValueError, match="offline"):
        reconcile_day(gateway="offline", day=DAY)


# The command and the schedule ----------------------------------------------------------


def run_command(*args: str) -> tuple[list[str], CommandError | None]:
    """The command's output lines, and the error it ended with, if any."""
    out = io.StringIO()
    try:
        call_command("shop_reconcile_statements", *args, stdout=out)
    except CommandError as error:
        return out.getvalue().splitlines(), error
    return out.getvalue().splitlines(), None


def test_the_command_prints_each_gateways_summary(clock, tomato, bag):
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    charges = sum(
        sell(items, paid_at=at("2026-10-10")).total_fen for items in ([(tomato, 1)], [(bag, 1)])
    )

    out, error = run_command("--day", "2026-10-10", "--gateway", "dummy")

    assert error is None
    assert out == [
        f"dummy 2026-10-10: 2 line(s); charges {format_yuan(charges)}, refunds ¥0.00, fees ¥0.00",
        "  matched",
    ]


@override_settings(PAYMENT_GATEWAYS=["dummy"])
def test_the_command_reconciles_yesterday_and_fails_on_an_open_difference(clock, tomato, staff):
    clock.set("2026-10-10")
    order = sell([(tomato, 1)], paid_at=at("2026-10-10"))
    failed = refund(order, staff=staff)
    refund_failed_at_gateway(refund_id=failed.pk, message="ABNORMAL")
    clock.now = beijing("2026-10-11T10:30:00")
    total = format_yuan(order.total_fen)
    summary = f"dummy 2026-10-10: 2 line(s); charges {total}, refunds {total}, fees ¥0.00"

    out, error = run_command()

    assert "1 statement(s) need a person" in str(error)
    assert out == [
        summary,
        f"  refund_missing_in_shop {failed.merchant_reference} dummy_refund_{failed.pk}: "
        f"shop -, gateway {total} (本店记为平台退款失败)",
        "  1 difference(s), 0 explained",
    ]
    statement = GatewayStatement.objects.get(current=True)
    assert statement.day == DAY
    explain_difference(
        difference_id=statement.differences.get().pk, actor=staff, note="已银行转账退还买家"
    )

    out, error = run_command()  # the same difference, explained in the run before

    assert error is None
    assert out == [summary, "  1 difference(s), 1 explained"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--day", "10/10/2026"), "YYYY-MM-DD"), (("--gateway", "offline"), "no statement")],
)
def test_the_command_refuses_a_bad_day_or_gateway(args, message):
    _out, error = run_command(*args)

    assert message in str(error)


@override_settings(PRODUCTION=True, PAYMENT_GATEWAYS=["dummy"])
def test_the_command_fails_when_a_download_failed():
    out, error = run_command("--day", "2026-10-10")

    assert out == ["dummy 2026-10-10: download failed: the dummy gateway is refused in production"]
    assert error is not None


def test_the_statements_are_reconciled_at_half_past_ten_beijing_time():
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-statements"]

    assert entry["task"] == "shop.tasks.reconcile_statements"
    assert entry["task"] in celery_app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({10}, {30})
    assert celery_app.conf.timezone == settings.TIME_ZONE == "Asia/Shanghai"


@override_settings(PAYMENT_GATEWAYS=["dummy"])
def test_the_task_reconciles_yesterday(clock, tomato):
    clock.now = beijing("2026-10-11T00:30:00")  # 2026-10-10 16:30 UTC
    sell([(tomato, 1)], paid_at=at("2026-10-10"))

    assert reconcile_statements.delay().get() == {"dummy": "matched"}
    assert GatewayStatement.objects.get().day == DAY
