"""Payout batches: four eyes, the bank file, paid and failed rows (DESIGN §7 flow 4)."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.ledger.models import Transaction
from aid_accounting.ledger.posting import balance, bank_account, producer_account
from aid_accounting.payouts.batches import (
    approve_batch,
    cancel_batch,
    draft_batch,
    export_bank_csv,
    mark_row_failed,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.periods.close import close_period
from tests.aid_accounting.factories import ProducerPayoutAccountFactory, household_account
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def distributed(tomato, tomato_rule, beneficiaries):
    """October closed: 664, 663 and 663 fen owed to the three households."""
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    close_period(period="2026-10", now=at("2026-11-02"))
    return beneficiaries


@pytest.fixture
def exported(distributed, aid_officer, second_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    return batch


def test_a_draft_gathers_every_positive_household_payable(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    rows = batch.rows.order_by("household__registration_number")
    assert [(row.household, row.amount_fen) for row in rows] == list(
        zip(distributed, [664, 663, 663], strict=True)
    )
    assert (batch.status, batch.total_fen) == (PayoutBatch.Status.DRAFT, 1990)


def test_a_second_draft_does_not_take_what_an_open_batch_holds(distributed, aid_officer):
    draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PayoutError, match="没有可付款"):
        draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert PayoutBatch.objects.count() == 1


def test_a_cancelled_batch_frees_its_payables(distributed, aid_officer):
    first = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    cancel_batch(batch=first, actor=aid_officer)

    second = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert second.total_fen == 1990


def test_the_drafter_cannot_approve_their_own_batch(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PayoutError, match="另一位帮扶专员"):
        approve_batch(batch=batch, actor=aid_officer)

    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == (PayoutBatch.Status.DRAFT, None)


def test_only_aid_officers_approve(distributed, aid_officer, auditor):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PermissionDenied):
        approve_batch(batch=batch, actor=auditor)

    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


def test_only_aid_officers_draft(distributed, auditor):
    with pytest.raises(PermissionDenied):
        draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=auditor)

    assert not PayoutBatch.objects.exists()


def test_an_unapproved_batch_cannot_be_exported(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PayoutError, match="草稿"):
        export_bank_csv(batch=batch, actor=aid_officer)

    assert not PersonalDataAccess.objects.exists()


def test_the_bank_file_has_full_account_numbers_and_is_audited(
    distributed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)

    text = export_bank_csv(batch=batch, actor=second_officer)

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["编号"], r["银行账号"], r["金额（元）"]) for r in rows] == [
        ("LGZ-J-1", "6200000000000001234", "6.64"),
        ("LGZ-J-2", "6200000000000001234", "6.63"),
        ("LGZ-J-3", "6200000000000001234", "6.63"),
    ]
    audit = PersonalDataAccess.objects.filter(purpose=PersonalDataAccess.Purpose.EXPORT)
    assert audit.count() == 3
    assert set(audit.values_list("user", flat=True)) == {second_officer.pk}
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.EXPORTED


def test_a_paid_row_moves_the_payable_to_the_bank_once(exported, aid_officer):
    row = exported.rows.get(household__registration_number="LGZ-J-1")

    mark_row_paid(row=row, actor=aid_officer)
    mark_row_paid(row=row, actor=aid_officer)

    assert balance(household_account(row.household)) == 0
    assert balance(bank_account()) == -664
    assert Transaction.objects.filter(kind=Transaction.Kind.PAYOUT).count() == 1


def test_a_failed_row_stays_payable_for_a_later_batch(exported, aid_officer):
    row = exported.rows.get(household__registration_number="LGZ-J-1")

    mark_row_failed(row=row, actor=aid_officer, reason="账号已销户")

    assert balance(household_account(row.household)) == 664
    later = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    assert [(r.household, r.amount_fen) for r in later.rows.all()] == [(row.household, 664)]


def test_a_batch_is_completed_when_every_row_is_settled(exported, aid_officer):
    rows = list(exported.rows.order_by("pk"))
    mark_row_failed(row=rows[0], actor=aid_officer, reason="账号有误")
    for row in rows[1:]:
        mark_row_paid(row=row, actor=aid_officer)

    exported.refresh_from_db()
    assert exported.status == PayoutBatch.Status.COMPLETED


def test_a_paid_row_cannot_be_marked_failed(exported, aid_officer):
    row = exported.rows.first()
    mark_row_paid(row=row, actor=aid_officer)

    with pytest.raises(PayoutError, match="已付款"):
        mark_row_failed(row=row, actor=aid_officer)


def test_a_producer_payable_lowered_by_a_refund_is_not_paid_out(
    tomato, tomato_rule, aid_officer, second_officer, staff
):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=producer)
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    assert batch.rows.get().amount_fen == balance(producer_account(producer))

    refund(order, staff=staff)

    with pytest.raises(PayoutError, match="应付余额已少于"):
        approve_batch(batch=batch, actor=second_officer)
    assert balance(producer_account(producer)) == 0
    assert not PayoutRow.objects.filter(status=PayoutRow.Status.PAID).exists()


def test_a_household_without_a_bank_account_waits(distributed, aid_officer):
    without = distributed[0]
    without.bank_account_number = ""
    without.save()

    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert without not in {row.household for row in batch.rows.all()}
    assert balance(household_account(without)) == 664
