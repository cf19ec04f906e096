"""aid_reconcile on good data, and on data corrupted behind the services' back."""

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
from aid_accounting.periods.close import close_period
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_ledger(tomato, bag, tomato_rule, beneficiaries, staff, aid_officer, second_officer):
    """Sales, partial and whole refunds, two closes (one netting a late refund) and a payout."""
    first = sell([(tomato, 3), (bag, 1)], paid_at=at("2026-10-05"))
    second = sell([(tomato, 1)], paid_at=at("2026-10-06"), offline=True)
    deliver(first, at=at("2026-10-07"))
    deliver(second, at=at("2026-10-08"))
    refund(first, staff=staff, line=first.lines.get(variant=tomato), quantity=1)
    close_period(period="2026-10", now=at("2026-11-02"))
    refund(second, staff=staff)
    deliver(sell([(tomato, 4)], paid_at=at("2026-11-03")), at=at("2026-11-04"))
    close_period(period="2026-11", now=at("2026-12-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    mark_row_paid(row=batch.rows.first(), actor=aid_officer)


def test_reconcile_passes_on_a_consistent_ledger(busy_ledger, capsys):
    call_command("aid_reconcile")

    out = capsys.readouterr().out
    assert "All 11 checks passed." in out
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
