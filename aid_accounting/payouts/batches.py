"""Payout batches: paying household and producer payables by bank transfer
(DESIGN §7 flow 4).

draft → approved → exported → each row paid or failed (the batch is then
completed); a draft or approved batch can be cancelled.

- Only aid officers act, and a batch is approved by an officer other than
  the one who drafted it (also a database constraint).
- A draft pays each payee what ``payouts.payable`` says it may be paid now:
  its payable less what is held (a return window, a notice's window, an
  objection, a removed household) and less what other open batches already
  hold for it, so two batches never pay the same fen; only positive amounts
  make rows. Households with no bank account on the register, like
  producers with no payout account, wait. The draft records every payee it
  does not pay, with the reason (``PayoutHold``).
  Approval, export and payment check again that each row is still covered
  by its payable (a refund can lower a producer's), so no payout drives a
  payable below zero.
- Each row records its payee's account when it is drafted (holder, bank,
  number; the last two encrypted). The approver sees that record masked and
  the bank file pays it, never the register's account of the moment.
- A payee whose account changed after the row was drafted is not paid from
  that row: approval and the first export compare each pending row's record
  with the live account and void the rows that differ (their amount leaves
  the batch total and stays payable for a later batch, under the new,
  second-officer-approved account); the other rows go on. If every row
  changed, the step is refused, writing nothing: cancel and redraft. A
  repeated export (a lost file) rewrites the approved record without voiding,
  as the first file may already have been paid.
- The bank file is the only place full account numbers appear; they are read
  through ``payouts.accounts.reveal_payee_account``, which writes the audit
  log with purpose "export".
- A paid row posts debit payable / credit bank once (idempotency key per row);
  a failed row posts nothing, and the payable stays for a later batch.
- Every step is in the change history of the batch and its rows with the
  officer who took it (``_history_user``: these run from admin views, but the
  service, not the request, knows who acts).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.ledger.kinds import AccountOwnerType, TransactionKind
from aid_accounting.ledger.posting import (
    EntrySpec,
    balance,
    bank_account,
    lock_accounts,
    post_transaction,
    posted_totals,
)
from aid_accounting.payouts import payable
from aid_accounting.payouts.accounts import reveal_payee_account
from aid_accounting.payouts.models import PayoutBatch, PayoutHold, PayoutRow
from core.money import yuan_amount
from core.roles import require_aid_officer
from core.spreadsheet import csv_text
from producers.models import Producer

if TYPE_CHECKING:  # type hints only: writers reach the ledger through ledger.posting
    from aid_accounting.ledger.models import Account

CSV_HEADER = ["批次", "明细", "收款人", "编号", "开户银行", "银行账号", "金额（元）", "附言"]

# The change reason of a batch's history record when its last row is settled.
BATCH_COMPLETED = "batch_completed"
# The change reason of a row's, and its batch's, record when the payee's account changed.
PAYEE_ACCOUNT_CHANGED = "payee_account_changed"


def draft_batch(*, kind: PayoutBatch.Kind | str, actor: AbstractUser) -> PayoutBatch:
    """Gather every positive payable of ``kind`` not held by an open batch into a new draft."""
    kind = PayoutBatch.Kind(kind)
    require_aid_officer(actor)
    owner_type = AccountOwnerType(kind.value)
    with transaction.atomic():
        # Locking the payees' accounts makes concurrent drafts take turns, so
        # the second sees what the first reserved.
        accounts = lock_accounts(owner_type=owner_type)
        # What each payee may be paid now, and what is held and why; the
        # batch is dated by that moment (later offsets are counted from it).
        now = timezone.now()
        figures = payable.payability(kind=kind, accounts=accounts, now=now)
        available = {pk: payee.payable_fen for pk, payee in figures.items()}
        payees = _payees(kind, [accounts[pk] for pk, fen in available.items() if fen > 0])
        if not payees:
            raise PayoutError(_("没有可付款的应付余额。") + _held_summary(figures))
        batch = PayoutBatch(
            kind=kind,
            created_at=now,
            total_fen=sum(available[account.pk] for account, _payee in payees),
            created_by=actor,
        )
        _save(batch, actor)
        bulk_create_with_history(
            [
                PayoutRow(
                    batch=batch,
                    account=account,
                    amount_fen=available[account.pk],
                    household=payee if kind == PayoutBatch.Kind.HOUSEHOLD else None,
                    producer=payee if kind == PayoutBatch.Kind.PRODUCER else None,
                    **_live_account(payee),
                )
                for account, payee in payees
            ],
            PayoutRow,
            default_user=actor,
        )
        payable.record_holds(batch=batch, payees=figures)
    return batch


def approve_batch(*, batch: PayoutBatch, actor: AbstractUser) -> PayoutBatch:
    require_aid_officer(actor)
    with transaction.atomic():
        batch = _locked(batch)
        _require_status(batch, PayoutBatch.Status.DRAFT)
        if batch.created_by_id == actor.pk:
            raise PayoutError(_("付款批次须由起草人以外的另一位帮扶专员审核。"))
        _void_changed_accounts(batch, actor)
        _require_covered(batch)
        batch.status = PayoutBatch.Status.APPROVED
        batch.approved_by = actor
        batch.approved_at = timezone.now()
        _save(batch, actor, update_fields=["status", "approved_by", "approved_at"])
    return batch


def cancel_batch(*, batch: PayoutBatch, actor: AbstractUser) -> PayoutBatch:
    """Drop a batch before its bank file exists; its payables are free for another batch."""
    require_aid_officer(actor)
    with transaction.atomic():
        batch = _locked(batch)
        _require_status(batch, PayoutBatch.Status.DRAFT, PayoutBatch.Status.APPROVED)
        batch.status = PayoutBatch.Status.CANCELLED
        _save(batch, actor, update_fields=["status"])
    return batch


def export_bank_csv(*, batch: PayoutBatch, actor: AbstractUser) -> str:
    """The bank file of the batch's unsettled rows, as CSV text; marks the batch exported.

    The first export voids the rows whose payee's account changed since the
    draft. Exporting again (a lost file) writes the same accounts, and the
    audit log again.
    """
    require_aid_officer(actor)
    with transaction.atomic():
        batch = _locked(batch)
        _require_status(batch, PayoutBatch.Status.APPROVED, PayoutBatch.Status.EXPORTED)
        if batch.status == PayoutBatch.Status.APPROVED:
            _void_changed_accounts(batch, actor)
        _require_covered(batch)
        rows = list(
            batch.rows.filter(status=PayoutRow.Status.PENDING)
            .select_related("household", "producer")
            .order_by("pk")
        )
        bank_file = csv_text([CSV_HEADER, *(_bank_line(batch, row, actor) for row in rows)])
        batch.status = PayoutBatch.Status.EXPORTED
        batch.exported_by = actor
        batch.exported_at = timezone.now()
        _save(batch, actor, update_fields=["status", "exported_by", "exported_at"])
    return bank_file


def mark_row_paid(*, row: PayoutRow, actor: AbstractUser) -> PayoutRow:
    """Record that the bank paid the row: debit the payable, credit the bank, once."""
    require_aid_officer(actor)
    with transaction.atomic():
        row = _locked_row(row)
        if row.status == PayoutRow.Status.PAID:
            return row
        _require_settleable(row)
        if balance(row.account) < row.amount_fen:
            raise PayoutError(
                _("%(payee)s 的应付余额不足 %(amount)s 分，不能登记为已付款；请标记失败并核查。")
                % {"payee": row.payee_label, "amount": row.amount_fen}
            )
        row.transaction = post_transaction(
            kind=TransactionKind.PAYOUT,
            idempotency_key=f"payout:row:{row.pk}",
            entries=[
                EntrySpec(account=row.account, amount_fen=row.amount_fen),
                EntrySpec(account=bank_account(), amount_fen=-row.amount_fen),
            ],
            source=f"payout-batch:{row.batch_id}",
            memo=f"付款批次 {row.batch_id} 明细 {row.pk}",
        )
        _settle(row, PayoutRow.Status.PAID, actor)
    return row


def mark_row_failed(*, row: PayoutRow, actor: AbstractUser, reason: str = "") -> PayoutRow:
    """Record that the bank did not pay the row; the payable stays for a later batch."""
    require_aid_officer(actor)
    with transaction.atomic():
        row = _locked_row(row)
        if row.status == PayoutRow.Status.FAILED:
            return row
        _require_settleable(row)
        row.failure_reason = reason[:255]
        _settle(row, PayoutRow.Status.FAILED, actor)
    return row


def _held_summary(figures: dict[int, payable.Payability]) -> str:
    """For a draft with nothing to pay: how many payees are held for each
    reason, so the officer sees that nothing was skipped silently."""
    counts = Counter(reason for payee in figures.values() for reason in payee.holds)
    if not counts:
        return ""
    return _("暂缓支付：%(reasons)s。") % {
        "reasons": "；".join(
            _("%(reason)s %(count)s 位") % {"reason": reason.label, "count": counts[reason]}
            for reason in PayoutHold.Reason
            if reason in counts
        )
    }


def _payees(
    kind: PayoutBatch.Kind, accounts: list[Account]
) -> list[tuple[Account, Household | Producer]]:
    """The payees of the accounts, in account order; households without a bank
    account on the register and producers without a payout account are left
    out (their payable waits for one)."""
    owner_ids = [account.owner_id for account in accounts]
    if kind == PayoutBatch.Kind.HOUSEHOLD:
        # The stored value is compared, not decrypted: an empty one is stored as is.
        owners = (
            Household.objects.annotate(
                stored_account=Cast("bank_account_number", models.TextField())
            )
            .exclude(stored_account="")
            .in_bulk(owner_ids)
        )
    else:
        owners = (
            Producer.objects.filter(payout_account__isnull=False)
            .select_related("payout_account")
            .in_bulk(owner_ids)
        )
    ordered = sorted(accounts, key=lambda account: account.code)
    return [
        (account, owners[account.owner_id]) for account in ordered if account.owner_id in owners
    ]


def _live_account(payee: Household | Producer) -> dict[str, str]:
    """The payee's account on the register now, as a row records it."""
    if isinstance(payee, Household):
        return {
            "payee_name": payee.head_name,
            "payee_bank_name": payee.bank_name,
            "payee_account_number": payee.bank_account_number,
        }
    # Every producer here has one: _payees leaves out those without, and a
    # payout account is never deleted (PROTECT, a read-only admin view).
    account = payee.payout_account
    return {
        "payee_name": account.holder_name,
        "payee_bank_name": account.bank_name,
        "payee_account_number": account.bank_account_number,
    }


def _void_changed_accounts(batch: PayoutBatch, actor: AbstractUser) -> None:
    """Void the pending rows whose payee's account is no longer the one recorded.

    Decrypted and compared here, in the service: the numbers never leave it.
    The payees are locked so that an account change waits for the decision.
    """
    pending = batch.rows.filter(status=PayoutRow.Status.PENDING)
    _lock_payees(pending)
    rows = list(pending.select_related("household", "producer__payout_account").order_by("pk"))
    changed = [row for row in rows if _recorded(row) != _live_account(_payee(row))]
    if not changed:
        return
    if len(changed) == len(rows):
        raise PayoutError(_("本批次全部收款人的收款账户在起草后已变更，请作废本批次后重新起草。"))
    now = timezone.now()
    for row in changed:
        row.status = PayoutRow.Status.VOIDED
        row.failure_reason = _("收款账户在起草后已变更，金额留待下一批次。")
        row.settled_by = actor
        row.settled_at = now
        _save(
            row,
            actor,
            reason=PAYEE_ACCOUNT_CHANGED,
            update_fields=["status", "failure_reason", "settled_by", "settled_at"],
        )
    # The total is what the batch will pay.
    batch.total_fen -= sum(row.amount_fen for row in changed)
    _save(batch, actor, reason=PAYEE_ACCOUNT_CHANGED, update_fields=["total_fen"])


def _payee(row: PayoutRow) -> Household | Producer:
    return row.household if row.household_id else row.producer


def _recorded(row: PayoutRow) -> dict[str, str]:
    return {
        "payee_name": row.payee_name,
        "payee_bank_name": row.payee_bank_name,
        "payee_account_number": row.payee_account_number,
    }


def _lock_payees(rows: models.QuerySet[PayoutRow]) -> None:
    """Lock the rows' households and producers, as ``account_changes`` does
    before it changes one's account, so neither reads a half-made change."""
    for model, column in ((Household, "household_id"), (Producer, "producer_id")):
        locked = model.objects.select_for_update().filter(pk__in=rows.values(column))
        list(locked.order_by("pk").values_list("pk", flat=True))


def _locked(batch: PayoutBatch) -> PayoutBatch:
    return PayoutBatch.objects.select_for_update().get(pk=batch.pk)


def _locked_row(row: PayoutRow) -> PayoutRow:
    return (
        PayoutRow.objects.select_for_update(of=("self",))
        .select_related("account", "batch")
        .get(pk=row.pk)
    )


def _require_status(batch: PayoutBatch, *allowed: PayoutBatch.Status) -> None:
    if batch.status not in allowed:
        raise PayoutError(
            _("付款批次 %(batch)s 当前为“%(status)s”，不能进行此操作。")
            % {"batch": batch.pk, "status": batch.get_status_display()}
        )


def _require_settleable(row: PayoutRow) -> None:
    _require_status(row.batch, PayoutBatch.Status.EXPORTED)
    if row.status != PayoutRow.Status.PENDING:
        raise PayoutError(
            _("付款明细 %(row)s 已是“%(status)s”，不能更改。")
            % {"row": row.pk, "status": row.get_status_display()}
        )


def _require_covered(batch: PayoutBatch) -> None:
    """Every unsettled row is still within its payee's payable."""
    rows = list(batch.rows.filter(status=PayoutRow.Status.PENDING))
    totals = posted_totals(account_ids={row.account_id for row in rows})
    short = [row for row in rows if -totals[row.account_id] < row.amount_fen]
    if short:
        raise PayoutError(
            _("以下收款人的应付余额已少于付款金额，请作废本批次后重新起草：%(payees)s")
            % {"payees": "、".join(row.payee_label for row in short[:5])}
        )


def _settle(row: PayoutRow, status: PayoutRow.Status, actor: AbstractUser) -> None:
    row.status = status
    row.settled_by = actor
    row.settled_at = timezone.now()
    _save(
        row,
        actor,
        update_fields=["status", "failure_reason", "settled_by", "settled_at", "transaction"],
    )
    # Locked before looking: two officers settling the last two rows at once
    # would otherwise each see the other's row still pending, and neither
    # complete the batch.
    batch = _locked(row.batch)
    if not batch.rows.filter(status=PayoutRow.Status.PENDING).exists():
        batch.status = PayoutBatch.Status.COMPLETED
        _save(batch, actor, reason=BATCH_COMPLETED, update_fields=["status"])


def _save(
    obj: PayoutBatch | PayoutRow, actor: AbstractUser, *, reason: str | None = None, **kwargs
) -> None:
    """Save, with ``actor`` as the "who" and ``reason`` as the change reason of
    the history record the save writes (set each time: the instance keeps it)."""
    obj._history_user = actor
    obj._change_reason = reason
    obj.save(**kwargs)


def _bank_line(batch: PayoutBatch, row: PayoutRow, actor: AbstractUser) -> list[str]:
    # The recorded holder (for a producer, not its name: the bank matches the name on the account).
    bank_name, account_number = reveal_payee_account(
        user=actor,
        row=row,
        purpose=PersonalDataAccess.Purpose.EXPORT,
        # The file's purpose is the payment itself: the officer is not asked for one.
        reason=_("付款批次 %(batch)s 的银行付款文件") % {"batch": batch.pk},
    )
    reference = row.household.registration_number if row.household_id else row.producer.code
    return [
        str(batch.pk),
        str(row.pk),
        row.payee_name,
        reference,
        bank_name,
        account_number,
        yuan_amount(row.amount_fen),
        f"帮扶资金 {batch.pk}-{row.pk}",
    ]
