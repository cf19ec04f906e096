"""Payout batches: four eyes, the bank file, paid and failed rows (DESIGN §7 flow 4)."""

import csv
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.ledger.models import Transaction
from aid_accounting.ledger.posting import (
    EntrySpec,
    balance,
    bank_account,
    clearing_account,
    post_transaction,
    producer_account,
)
from aid_accounting.payouts.batches import (
    BATCH_COMPLETED,
    CSV_HEADER,
    approve_batch,
    cancel_batch,
    draft_batch,
    export_bank_csv,
    mark_row_failed,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from core.money import yuan_amount
from tests.aid_accounting.factories import ProducerPayoutAccountFactory, household_account
from tests.township import add_variant, at, close_and_publish, deliver, refund, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def distributed(tomato, tomato_rule, beneficiaries):
    """October closed: 663, 663 and 664 fen owed to the three households (October's
    spare fen goes to LGZ-J-3, see close.py)."""
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))
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
        zip(distributed, [663, 663, 664], strict=True)
    )
    assert (batch.status, batch.total_fen) == (PayoutBatch.Status.DRAFT, 1990)


def test_a_second_draft_does_not_take_what_an_open_batch_holds(distributed, aid_officer):
    draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PayoutError, match=r"^没有可付款的应付余额。$"):
        draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert PayoutBatch.objects.count() == 1


def test_a_cancelled_batch_frees_its_payables(distributed, aid_officer):
    first = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    cancel_batch(batch=first, actor=aid_officer)

    second = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert second.total_fen == 1990


def test_the_drafter_cannot_approve_their_own_batch(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with pytest.raises(PayoutError, match=r"^付款批次须由起草人以外的另一位帮扶专员审核。$"):
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

    with pytest.raises(PayoutError, match=f"^付款批次 {batch.pk} 当前为“草稿”，不能进行此操作。$"):
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
        ("LGZ-J-1", "6200000000000001234", "6.63"),
        ("LGZ-J-2", "6200000000000001234", "6.63"),
        ("LGZ-J-3", "6200000000000001234", "6.64"),
    ]
    audit = PersonalDataAccess.objects.filter(purpose=PersonalDataAccess.Purpose.EXPORT)
    assert list(audit.values_list("user", "reason")) == 3 * [
        (second_officer.pk, f"付款批次 {batch.pk} 的银行付款文件")
    ]
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.EXPORTED


def test_a_paid_row_moves_the_payable_to_the_bank_once(exported, aid_officer):
    row = exported.rows.get(household__registration_number="LGZ-J-1")

    mark_row_paid(row=row, actor=aid_officer)
    mark_row_paid(row=row, actor=aid_officer)

    assert balance(household_account(row.household)) == 0
    assert balance(bank_account()) == -663
    assert Transaction.objects.filter(kind=Transaction.Kind.PAYOUT).count() == 1


def test_a_failed_row_stays_payable_for_a_later_batch(exported, aid_officer):
    row = exported.rows.get(household__registration_number="LGZ-J-1")

    mark_row_failed(row=row, actor=aid_officer, reason="账号已销户")

    assert balance(household_account(row.household)) == 663
    later = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    assert [(r.household, r.amount_fen) for r in later.rows.all()] == [(row.household, 663)]


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

    with pytest.raises(PayoutError, match=f"^付款明细 {row.pk} 已是“已付款”，不能更改。$"):
        mark_row_failed(row=row, actor=aid_officer)


def test_a_producer_payable_lowered_by_a_refund_is_not_paid_out(
    tomato, tomato_rule, aid_officer, second_officer, staff
):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=producer)
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    assert batch.rows.get().amount_fen == balance(producer_account(producer))

    refund(order, staff=staff)

    with pytest.raises(
        PayoutError,
        match=f"^以下收款人的应付余额已少于付款金额，请作废本批次后重新起草：{re.escape(str(producer))}$",
    ):
        approve_batch(batch=batch, actor=second_officer)
    assert balance(producer_account(producer)) == 0
    assert not PayoutRow.objects.filter(status=PayoutRow.Status.PAID).exists()


def test_a_household_without_a_bank_account_waits(distributed, aid_officer):
    without = distributed[0]
    without.bank_account_number = ""
    without.save()

    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    assert without not in {row.household for row in batch.rows.all()}
    assert balance(household_account(without)) == 663


@pytest.fixture
def producers_owed(tomato, bag, tomato_rule):
    """October's order of 2 tomato boxes and 3 bags, from two producers, each
    with a payout account held in another name than the producer's."""
    order = sell([(tomato, 2), (bag, 3)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    for holder, variant in [("张三", tomato), ("李四", bag)]:
        ProducerPayoutAccountFactory(producer=variant.product.producer, holder_name=holder)
    return order


def test_the_producer_bank_file_pays_the_account_holder_and_is_audited(
    producers_owed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)

    text = export_bank_csv(batch=batch, actor=aid_officer)

    rows = list(batch.rows.order_by("pk"))
    assert batch.kind == PayoutBatch.Kind.PRODUCER
    assert list(csv.reader(io.StringIO(text))) == [
        CSV_HEADER,
        *(
            [
                str(batch.pk),
                str(row.pk),
                row.producer.payout_account.holder_name,
                row.producer.code,
                "示例农村商业银行",
                "62000000000990001",
                yuan_amount(row.amount_fen),
                f"帮扶资金 {batch.pk}-{row.pk}",
            ]
            for row in rows
        ),
    ]
    assert {row.producer.payout_account.holder_name for row in rows} == {"张三", "李四"}
    assert [row.amount_fen for row in rows] == [
        balance(producer_account(row.producer)) for row in rows
    ]
    audit = PersonalDataAccess.objects.order_by("producer")
    assert list(audit.values_list("user", "producer", "purpose")) == [
        (aid_officer.pk, row.producer_id, PersonalDataAccess.Purpose.EXPORT)
        for row in sorted(rows, key=lambda row: row.producer_id)
    ]


def test_a_lost_bank_file_can_be_exported_again(exported, aid_officer):
    first = PersonalDataAccess.objects.count()

    again = export_bank_csv(batch=exported, actor=aid_officer)

    assert len(list(csv.DictReader(io.StringIO(again)))) == 3
    assert PersonalDataAccess.objects.count() == 2 * first == 6


def test_an_approved_batch_can_be_cancelled(distributed, aid_officer, second_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)

    cancel_batch(batch=batch, actor=second_officer)

    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.CANCELLED
    assert batch.history.latest().history_user == second_officer


def test_each_step_is_recorded_with_the_officer_who_took_it(exported, aid_officer, second_officer):
    rows = list(exported.rows.order_by("pk"))
    mark_row_failed(row=rows[0], actor=second_officer, reason="账号有误")
    for row in rows[1:]:
        mark_row_paid(row=row, actor=second_officer)

    exported.refresh_from_db()
    assert (exported.approved_by, exported.exported_by) == (second_officer, aid_officer)
    assert None not in (exported.approved_at, exported.exported_at)
    history = exported.history.order_by("history_id")
    assert [(h.status, h.history_user, h.history_change_reason) for h in history] == [
        (PayoutBatch.Status.DRAFT, aid_officer, None),
        (PayoutBatch.Status.APPROVED, second_officer, None),
        (PayoutBatch.Status.EXPORTED, aid_officer, None),
        (PayoutBatch.Status.COMPLETED, second_officer, BATCH_COMPLETED),
    ]
    for row in rows:
        row.refresh_from_db()
        assert row.history.earliest().history_user == aid_officer
        assert (row.settled_by, row.history.latest().history_user) == (
            second_officer,
            second_officer,
        )
        assert row.settled_at is not None


def test_a_paid_row_posts_under_its_batch_and_row(exported, aid_officer):
    row = exported.rows.get(household__registration_number="LGZ-J-1")

    mark_row_paid(row=row, actor=aid_officer)

    row.refresh_from_db()
    assert (row.transaction.source, row.transaction.memo) == (
        f"payout-batch:{exported.pk}",
        f"付款批次 {exported.pk} 明细 {row.pk}",
    )


def test_a_failure_reason_is_cut_to_255_characters(exported, aid_officer):
    row = exported.rows.first()

    mark_row_failed(row=row, actor=aid_officer, reason="账" * 300)

    row.refresh_from_db()
    assert row.failure_reason == "账" * 255


def test_a_row_failed_without_a_reason_has_an_empty_one(exported, aid_officer):
    row = exported.rows.first()

    mark_row_failed(row=row, actor=aid_officer)

    row.refresh_from_db()
    assert (row.status, row.failure_reason) == (PayoutRow.Status.FAILED, "")


def test_a_payable_of_one_fen_is_paid_out(tomato, aid_officer):
    producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=producer)
    post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="accrual:test:one-fen",
        entries=[
            EntrySpec(account=clearing_account(), amount_fen=1),
            EntrySpec(account=producer_account(producer), amount_fen=-1),
        ],
    )

    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)

    assert [(row.producer, row.amount_fen) for row in batch.rows.all()] == [(producer, 1)]


def test_a_row_lowered_by_a_refund_after_export_cannot_be_marked_paid(
    tomato, tomato_rule, aid_officer, second_officer, staff
):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=producer)
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    row = batch.rows.get()

    refund(order, staff=staff)

    message = f"{producer} 的应付余额不足 {row.amount_fen} 分，不能登记为已付款；请标记失败并核查。"
    with pytest.raises(PayoutError, match=f"^{re.escape(message)}$"):
        mark_row_paid(row=row, actor=aid_officer)
    row.refresh_from_db()
    assert (row.status, row.transaction) == (PayoutRow.Status.PENDING, None)


def test_the_uncovered_payees_named_are_the_first_five(aid_officer, second_officer, staff):
    variants = [add_variant(f"土产{n}", price_fen=1000, stock=10) for n in range(6)]
    order = sell([(variant, 1) for variant in variants], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    for variant in variants:
        ProducerPayoutAccountFactory(producer=variant.product.producer)
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    refund(order, staff=staff)

    named = "、".join(str(row.producer) for row in batch.rows.order_by("pk")[:5])
    with pytest.raises(PayoutError, match=f"重新起草：{re.escape(named)}$"):
        approve_batch(batch=batch, actor=second_officer)


def test_a_producer_batch_reads_its_rows_with_their_payees(
    producers_owed, aid_officer, second_officer, django_assert_num_queries
):
    """Each step reads the rows with their producers, payout accounts, ledger
    accounts and batch in one query: two payees, no query per row's relation."""
    ContentType.objects.clear_cache()  # counted the same whichever test ran before
    with django_assert_num_queries(21):
        batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    with django_assert_num_queries(16):
        approve_batch(batch=batch, actor=second_officer)
    with django_assert_num_queries(21):
        export_bank_csv(batch=batch, actor=aid_officer)
    paid, failed = batch.rows.order_by("pk")
    with django_assert_num_queries(21):
        mark_row_paid(row=paid, actor=aid_officer)
    with django_assert_num_queries(14):
        mark_row_failed(row=failed, actor=aid_officer)
