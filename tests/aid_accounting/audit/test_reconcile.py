"""aid_reconcile on good data, and on data corrupted behind the services' back."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger import triggers as ledger_triggers
from aid_accounting.ledger.models import Entry
from aid_accounting.ledger.posting import clearing_account
from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.rules.models import AidRule
from tests.township import at, close_and_publish, deliver, refund, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_ledger(tomato, bag, tomato_rule, beneficiaries, staff, aid_officer, second_officer):
    """Sales, partial and whole refunds, two closes (one netting a late refund) and a payout."""
    first = sell([(tomato, 3), (bag, 1)], paid_at=at("2026-10-05"))
    second = sell([(tomato, 1)], paid_at=at("2026-10-06"), offline=True)
    deliver(first, at=at("2026-10-07"))
    deliver(second, at=at("2026-10-08"))
    refund(first, staff=staff, line=first.lines.get(variant=tomato), quantity=1)
    close_and_publish("2026-10", now=at("2026-11-02"))
    refund(second, staff=staff)
    deliver(sell([(tomato, 4)], paid_at=at("2026-11-03")), at=at("2026-11-04"))
    close_and_publish("2026-11", now=at("2026-12-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    mark_row_paid(row=batch.rows.first(), actor=aid_officer)


def test_reconcile_passes_on_a_consistent_ledger(busy_ledger, capsys):
    call_command("aid_reconcile")

    out = capsys.readouterr().out
    assert "All 13 checks passed." in out
    assert "FAIL" not in out


def test_reconcile_fails_when_an_entry_is_changed_behind_the_triggers(busy_ledger, capsys):
    entry = Entry.objects.filter(account__owner_type="pool").first()
    # Only someone with the database's owner rights could do this: drop the
    # triggers, edit a posted entry. The test's transaction rolls it all back.
    ledger_triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aid_accounting_entry SET amount_fen = amount_fen - 100 WHERE id = %s",
            [entry.pk],
        )
    ledger_triggers.install(connection)

    with pytest.raises(CommandError, match="checks failed"):
        call_command("aid_reconcile")

    out = capsys.readouterr().out
    assert "FAIL 每张凭证借贷平衡" in out
    assert "FAIL 资金池余额 = 计提 − 冲回 − 分配" in out


def test_reconcile_fails_on_a_draft_left_in_the_ledger(busy_ledger, make_draft, capsys):
    make_draft((clearing_account(), 500))

    with pytest.raises(CommandError):
        call_command("aid_reconcile")

    out = capsys.readouterr().out
    assert "FAIL 没有未过账的凭证" in out
    assert "FAIL 每张凭证借贷平衡" in out


def test_reconcile_fails_when_an_accrual_record_drifts_from_the_ledger(busy_ledger, capsys):
    LineAccrual.objects.filter(reversed_fen__gt=0).update(reversed_fen=F("reversed_fen") - 1)

    with pytest.raises(CommandError):
        call_command("aid_reconcile")

    assert "FAIL 计提记录与分录一致" in capsys.readouterr().out


def test_reconcile_fails_on_a_paid_line_without_an_accrual(tomato, tomato_rule, capsys):
    order = sell([(tomato, 1)], paid_at=at("2026-10-05"))
    LineAccrual.objects.filter(line__order=order).delete()

    with pytest.raises(CommandError):
        call_command("aid_reconcile")

    assert "已付款但没有计提" in capsys.readouterr().out


def test_reconcile_finds_a_line_accrued_under_a_rule_that_does_not_govern_it(
    busy_ledger, tomato, tomato_rule, capsys
):
    # A product rule over days already sold, written behind set_rule's back
    # (which refuses it): the tomato lines were accrued under the producer's.
    product_rule = AidRule.objects.create(
        producer=tomato_rule.producer,
        product=tomato.product,
        pool=tomato_rule.pool,
        share_bp=4000,
        valid_from=datetime.date(2026, 1, 1),
        version=1,
    )

    with pytest.raises(CommandError):
        call_command("aid_reconcile")

    out = capsys.readouterr().out
    assert "FAIL 每笔明细按其付款日适用的规则计提" in out
    assert f"按规则 {tomato_rule.pk} 计提，2026-10-05 适用的是规则 {product_rule.pk}" in out
    assert "ok   各期间分配合计一致" in out


def test_reconcile_finds_an_accrual_booked_apart_from_its_ledger_posting(busy_ledger, capsys):
    LineAccrual.objects.filter(pk=LineAccrual.objects.first().pk).update(
        booked_at=F("booked_at") + datetime.timedelta(days=1)
    )

    with pytest.raises(CommandError):
        call_command("aid_reconcile")

    assert "FAIL 计提与冲回按记录的记账时间入账" in capsys.readouterr().out


def test_reconcile_shows_payments_booked_after_their_month_closed(busy_ledger, tomato, capsys):
    # Received on 30 November, recorded after November was closed.
    order = sell([(tomato, 1)], paid_at=at("2026-11-30", 20), offline=True)

    call_command("aid_reconcile")

    out = capsys.readouterr().out
    line = order.lines.get()
    assert "1 payment(s) or refund(s) dated in a month closed" in out
    assert f"明细 {line.pk} 付款于 2026-11-30 20:00，记入 2026-12" in out
    assert "All 13 checks passed." in out
