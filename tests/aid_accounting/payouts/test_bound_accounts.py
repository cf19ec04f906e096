"""A batch pays the accounts its rows recorded when drafted, which the second
officer approved; a row whose payee's account changed since is voided (issue #16)."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aid_accounting import calendar
from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.ledger.posting import balance
from aid_accounting.payouts.batches import (
    PAYEE_ACCOUNT_CHANGED,
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.transparency.reports import Filters, payout_batches
from tests.aid_accounting.factories import ProducerPayoutAccountFactory, household_account
from tests.township import add_households, at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

OLD_NUMBER = "6200000000000001234"
NEW_NUMBER = "6299999999999990000"
# test_approving_and_exporting_read_payees_with_their_rows: approval's queries, however
# many payees; the export's, besides the audit row each payee's account number writes
# (a role check and an insert).
APPROVE_QUERIES = 16
EXPORT_QUERIES = 17


@pytest.fixture
def distributed(tomato, tomato_rule, beneficiaries):
    """October closed: 663, 663 and 664 fen owed to the three households (the
    spare fen is LGZ-J-3's this month)."""
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    # Published at the close: its window ended on 9 November.
    close_and_publish("2026-10", now=at("2026-11-02"))
    return beneficiaries


def change_account(household, number: str = NEW_NUMBER) -> None:
    """However it came about (now: a request another officer approved)."""
    household.bank_account_number = number
    household.save()


def bank_lines(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_row_records_the_payees_account_when_drafted(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    row = batch.rows.get(household=distributed[0])
    assert (row.payee_name, row.payee_bank_name, row.payee_account_number) == (
        "孔祥轩",
        "示例农村商业银行",
        OLD_NUMBER,
    )
    assert (row.masked_payee_name, row.masked_payee_account) == ("孔*轩", "****1234")


def test_an_account_changed_after_approval_is_not_in_the_bank_file_and_its_row_is_voided(
    distributed, aid_officer, second_officer
):
    # The attack: A drafts, B approves, A changes a payee's account, A exports.
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    changed = distributed[0]
    change_account(changed)

    text = export_bank_csv(batch=batch, actor=aid_officer)

    assert NEW_NUMBER not in text
    assert [line["编号"] for line in bank_lines(text)] == ["LGZ-J-2", "LGZ-J-3"]
    row = batch.rows.get(household=changed)
    assert (row.status, row.settled_by) == (PayoutRow.Status.VOIDED, aid_officer)
    assert row.failure_reason == "收款账户在起草后已变更，金额留待下一批次。"
    assert row.settled_at is not None
    voided = row.history.latest()
    assert (voided.history_change_reason, voided.history_user) == (
        PAYEE_ACCOUNT_CHANGED,
        aid_officer,
    )
    batch.refresh_from_db()
    assert (batch.status, batch.total_fen) == (PayoutBatch.Status.EXPORTED, 663 + 664)
    # Not paid: it stays owed, for a later batch under the new account.
    assert balance(household_account(changed)) == 663
    assert not PersonalDataAccess.objects.filter(household=changed).exists()


def test_a_voided_amount_is_drafted_again_with_the_new_account(
    distributed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    change_account(distributed[0])
    export_bank_csv(batch=batch, actor=aid_officer)
    for row in batch.rows.filter(status=PayoutRow.Status.PENDING):
        mark_row_paid(row=row, actor=aid_officer)

    later = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.COMPLETED
    row = later.rows.get()
    assert (row.household, row.amount_fen, row.payee_account_number) == (
        distributed[0],
        663,
        NEW_NUMBER,
    )


def test_an_account_changed_before_approval_voids_its_row_at_approval(
    distributed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    change_account(distributed[2])

    approve_batch(batch=batch, actor=second_officer)

    batch.refresh_from_db()
    assert (batch.status, batch.total_fen) == (PayoutBatch.Status.APPROVED, 663 + 663)
    row = batch.rows.get(household=distributed[2])
    assert (row.status, row.settled_by) == (PayoutRow.Status.VOIDED, second_officer)
    records = batch.history.order_by("history_id")
    assert [(r.total_fen, r.history_user, r.history_change_reason) for r in records] == [
        (1990, aid_officer, None),
        (1326, second_officer, PAYEE_ACCOUNT_CHANGED),
        (1326, second_officer, None),
    ]


def test_a_changed_bank_name_or_holder_voids_too(distributed, aid_officer, second_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    distributed[0].bank_name = "另一家银行"
    distributed[0].save()
    distributed[1].head_name = "孔祥宇"
    distributed[1].save()

    approve_batch(batch=batch, actor=second_officer)

    assert list(batch.rows.order_by("pk").values_list("status", flat=True)) == [
        PayoutRow.Status.VOIDED,
        PayoutRow.Status.VOIDED,
        PayoutRow.Status.PENDING,
    ]


def test_when_every_account_changed_approval_is_refused_writing_nothing(
    distributed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    for household in distributed:
        change_account(household)

    with pytest.raises(PayoutError, match=r"^本批次全部收款人的收款账户在起草后已变更"):
        approve_batch(batch=batch, actor=second_officer)

    batch.refresh_from_db()
    assert (batch.status, batch.total_fen) == (PayoutBatch.Status.DRAFT, 1990)
    assert not batch.rows.exclude(status=PayoutRow.Status.PENDING).exists()


def test_a_repeated_export_writes_the_approved_accounts_without_voiding(
    distributed, aid_officer, second_officer
):
    # The first file may already be at the bank: its rows can no longer be freed.
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    first = export_bank_csv(batch=batch, actor=aid_officer)
    change_account(distributed[0])

    again = export_bank_csv(batch=batch, actor=aid_officer)

    assert again == first
    assert NEW_NUMBER not in again
    assert not batch.rows.filter(status=PayoutRow.Status.VOIDED).exists()


def test_the_producer_bank_file_pays_the_recorded_account_and_is_audited(
    tomato, bag, tomato_rule, aid_officer, second_officer
):
    deliver(sell([(tomato, 2), (bag, 1)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    kept, changed = (
        ProducerPayoutAccountFactory(producer=variant.product.producer, holder_name=holder)
        for variant, holder in ((tomato, "张三"), (bag, "李四"))
    )
    batch = draft_batch(kind=PayoutBatch.Kind.PRODUCER, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    changed.holder_name = "王五"
    changed.bank_account_number = NEW_NUMBER
    changed.save()

    text = export_bank_csv(batch=batch, actor=second_officer)

    [line] = bank_lines(text)
    assert (line["收款人"], line["编号"], line["银行账号"]) == (
        "张三",
        kept.producer.code,
        "62000000000990001",
    )
    assert batch.rows.get(producer=changed.producer).status == PayoutRow.Status.VOIDED
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.producer, access.fields, access.purpose) == (
        second_officer,
        kept.producer,
        ["bank_account_number"],
        PersonalDataAccess.Purpose.EXPORT,
    )


def test_the_history_of_a_row_keeps_the_holder_but_not_the_bank_details(distributed, aid_officer):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    record = batch.rows.first().history.get()
    columns = {field.name for field in PayoutRow.history.model._meta.fields}
    assert record.payee_name == "孔祥轩"  # masked where the trail shows it
    assert not columns & {"payee_bank_name", "payee_account_number"}


def test_the_payout_report_counts_and_totals_only_the_rows_the_batch_pays(
    distributed, aid_officer, second_officer
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    change_account(distributed[0])
    approve_batch(batch=batch, actor=second_officer)

    report = payout_batches(filters=Filters(period=calendar.month_of(batch.created_at)))

    [row] = report.rows
    labels = [str(column.label) for column in report.columns]
    assert (row[labels.index("笔数")], report.total("合计（元）")) == (2, 663 + 664)


@pytest.mark.parametrize("more_households", [0, 4])
def test_approving_and_exporting_read_payees_with_their_rows(
    more_households, tomato, tomato_rule, key_village, beneficiaries, aid_officer, second_officer
):
    """The payees and their accounts are read with the rows, not one by one."""
    add_households(key_village, prefix="LGZ-X", members=[1] * more_households)
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)

    with CaptureQueriesContext(connection) as approving:
        approve_batch(batch=batch, actor=second_officer)
    with CaptureQueriesContext(connection) as exporting:
        export_bank_csv(batch=batch, actor=aid_officer)

    payees = 3 + more_households
    assert (len(approving), len(exporting)) == (APPROVE_QUERIES, EXPORT_QUERIES + 2 * payees)
