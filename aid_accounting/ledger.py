"""The only writer of the double-entry ledger (DESIGN §7).

Amounts are signed integers in fen: debit positive, credit negative. A
transaction is checked here before anything is written (at least two entries,
summing to zero), then written as a draft, its entries added and the draft
marked posted, all in one ``atomic()`` block. The database triggers of
``ledger_triggers`` refuse the same mistakes again, so a bug that bypassed this
module could still not leave an unbalanced or edited posting behind.

Every posting carries an idempotency key (``"accrual:order-line:123"``), so a
retried task, a replayed webhook or a period closed twice cannot post twice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from producers.models import Producer

from .exceptions import IdempotencyConflict, UnbalancedTransaction
from .models import (
    KIND_BY_OWNER_TYPE,
    SINGLETON_OWNER_TYPES,
    Account,
    AidPool,
    Entry,
    Household,
    Transaction,
)


@dataclass(frozen=True)
class EntrySpec:
    """One leg of a transaction about to be posted, with the order line it comes from."""

    account: Account
    amount_fen: int
    order_line_id: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount_fen, int) or isinstance(self.amount_fen, bool):
            raise TypeError(f"amount_fen must be an int, got {self.amount_fen!r}")
        if self.amount_fen == 0:
            raise ValueError(f"an entry on {self.account.code} has amount 0; leave it out")
        if self.account.pk is None:
            raise ValueError("entries need a saved account (see account_for)")


def account_for(
    *, owner_type: Account.OwnerType | str, owner_id: int | None = None, name: str = ""
) -> Account:
    """The owner's account, created on first use.

    Safe under concurrency: the unique constraints on the owner make a losing
    concurrent creator fetch the winner's row (``get_or_create``) instead of
    making a second account.
    """
    owner_type = Account.OwnerType(owner_type)
    is_singleton = owner_type in SINGLETON_OWNER_TYPES
    if is_singleton and owner_id is not None:
        raise ValueError(f"{owner_type} accounts are township-wide and take no owner_id")
    if not is_singleton and owner_id is None:
        raise ValueError(f"{owner_type} accounts need an owner_id")
    code = owner_type.value if is_singleton else f"{owner_type.value}:{owner_id}"
    account, _created = Account.objects.get_or_create(
        owner_type=owner_type,
        owner_id=owner_id,
        defaults={"code": code, "name": name or code, "kind": KIND_BY_OWNER_TYPE[owner_type]},
    )
    return account


def clearing_account() -> Account:
    return account_for(
        owner_type=Account.OwnerType.PROCESSOR_CLEARING,
        name=str(Account.OwnerType.PROCESSOR_CLEARING.label),
    )


def bank_account() -> Account:
    return account_for(owner_type=Account.OwnerType.BANK, name=str(Account.OwnerType.BANK.label))


def producer_account(producer: Producer) -> Account:
    return account_for(
        owner_type=Account.OwnerType.PRODUCER,
        owner_id=producer.pk,
        name=f"{Account.OwnerType.PRODUCER.label} {producer.name}",
    )


def pool_account(pool: AidPool) -> Account:
    return account_for(owner_type=Account.OwnerType.POOL, owner_id=pool.pk, name=pool.name)


def household_account(household: Household) -> Account:
    # The masked name: the ledger is read by auditors, who see personal data masked.
    return account_for(
        owner_type=Account.OwnerType.HOUSEHOLD,
        owner_id=household.pk,
        name=f"{Account.OwnerType.HOUSEHOLD.label} {household}",
    )


def post_transaction(
    *,
    kind: Transaction.Kind | str,
    idempotency_key: str,
    entries: Sequence[EntrySpec],
    source: str = "",
    memo: str = "",
    booked_at: datetime | None = None,
) -> Transaction:
    """Post a balanced transaction once per idempotency key and return it.

    Posting again under the same key with the same content returns the
    existing transaction and writes nothing; different content under a used key
    raises ``IdempotencyConflict``. Runs inside the caller's transaction when
    there is one (the shop's order-paid transaction, for accruals).
    ``booked_at`` is when it takes effect, if not now: an accrual is booked
    when the money was received, which for a bank transfer recorded later is
    in the past.
    """
    kind = Transaction.Kind(kind)
    if not idempotency_key:
        raise ValueError("a posting needs an idempotency key")
    _check_balanced(entries)

    existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_posting_or_conflict(existing, kind, entries, source, memo)
    try:
        with transaction.atomic():
            posting = Transaction.objects.create(
                kind=kind,
                idempotency_key=idempotency_key,
                source=source,
                memo=memo,
                created_at=booked_at or timezone.now(),
            )
            Entry.objects.bulk_create(
                Entry(
                    transaction=posting,
                    account=spec.account,
                    amount_fen=spec.amount_fen,
                    order_line_id=spec.order_line_id,
                )
                for spec in entries
            )
            Transaction.objects.filter(pk=posting.pk).update(posted=True)
    except IntegrityError:
        # A concurrent caller may have posted under the same key first.
        existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_posting_or_conflict(existing, kind, entries, source, memo)
    posting.posted = True
    return posting


def balance(account: Account) -> int:
    """The account's balance in fen over posted transactions, in its natural direction.

    Assets are debit-positive; liabilities and income are credit-positive, so a
    household payable of ¥1.00 is 100, not -100.
    """
    total = Entry.objects.filter(account=account, transaction__posted=True).aggregate(
        total=Coalesce(Sum("amount_fen"), 0)
    )["total"]
    return total if account.kind == Account.Kind.ASSET else -total


def _check_balanced(entries: Sequence[EntrySpec]) -> None:
    if len(entries) < 2:
        raise UnbalancedTransaction(f"a transaction needs at least two entries, got {len(entries)}")
    total = sum(spec.amount_fen for spec in entries)
    if total != 0:
        legs = ", ".join(f"{spec.account.code} {spec.amount_fen:+d}" for spec in entries)
        raise UnbalancedTransaction(f"entries sum to {total:+d} fen, not 0: {legs}")


def _same_posting_or_conflict(
    existing: Transaction,
    kind: Transaction.Kind,
    entries: Sequence[EntrySpec],
    source: str,
    memo: str,
) -> Transaction:
    # None sorts badly against ints: compare order lines as -1 when absent.
    stored_legs = sorted(
        (account_id, amount, line_id or -1)
        for account_id, amount, line_id in existing.entries.values_list(
            "account_id", "amount_fen", "order_line_id"
        )
    )
    new_legs = sorted(
        (spec.account.pk, spec.amount_fen, spec.order_line_id or -1) for spec in entries
    )
    if (existing.kind, existing.source, existing.memo, stored_legs) != (
        kind,
        source,
        memo,
        new_legs,
    ):
        raise IdempotencyConflict(
            f"idempotency key {existing.idempotency_key!r} was already used for transaction "
            f"{existing.pk} with different content"
        )
    return existing
