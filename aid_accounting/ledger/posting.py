"""The only writer of the double-entry ledger (DESIGN §7).

Amounts are signed integers in fen: debit positive, credit negative. A
transaction is checked here before anything is written (at least two entries,
summing to zero), then written as a draft, its entries added and the draft
marked posted, all in one ``atomic()`` block. The database triggers of
``ledger.triggers`` refuse the same mistakes again, so a bug that bypassed this
module could still not leave an unbalanced or edited posting behind.

Every posting carries an idempotency key (``"accrual:order-line:123"``), so a
retried task, a replayed webhook or a period closed twice cannot post twice.

Every posting is chained (``ledger.chain``): under the lock of the ``ChainHead``
row, taken before anything is written and held to the end of the caller's
database transaction, each transaction gets the next sequence, the previous
hash and its own hash as it is written, and the head moves to the last of them. So the
chain's order is the order postings commit in, and a posting waits while
another database transaction that has posted is still open.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import format_lazy

from aid_accounting.exceptions import IdempotencyConflict, UnbalancedTransaction
from aid_accounting.households.models import Household
from aid_accounting.ledger import chain
from aid_accounting.ledger.kinds import AccountOwnerType
from aid_accounting.ledger.models import (
    KIND_BY_OWNER_TYPE,
    SINGLETON_OWNER_TYPES,
    Account,
    ChainHead,
    Entry,
    Transaction,
)
from aid_accounting.rules.models import AidPool
from producers.models import Producer


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
    code = _account_code(owner_type, owner_id)
    account, _created = Account.objects.get_or_create(
        owner_type=owner_type,
        owner_id=owner_id,
        defaults={"code": code, "name": name or code, "kind": KIND_BY_OWNER_TYPE[owner_type]},
    )
    return account


_OWNER_TYPES = {owner_type.value: owner_type for owner_type in Account.OwnerType}


def accounts_for(
    *, owners: Iterable[tuple[Account.OwnerType | str, int | None, str]]
) -> dict[tuple[str, int | None], Account]:
    """The accounts of many owners, ``(owner_type, owner_id, name)`` each, keyed
    by ``(owner_type, owner_id)``; the missing ones created. One query when all
    exist, three when some are new, however many owners: a close credits
    every household, an order's accrual several producers.

    Safe under concurrency like ``account_for``: a row another process created
    meanwhile is skipped by the insert (ignore_conflicts) and read back.
    """
    wanted = {}
    for owner_type, owner_id, name in owners:
        # A lookup, not the enum's call: a close passes an owner per household.
        owner_type = _OWNER_TYPES.get(owner_type) or Account.OwnerType(owner_type)
        if (owner_type in SINGLETON_OWNER_TYPES) != (owner_id is None):
            raise ValueError(f"{owner_type} account with owner_id {owner_id!r}")
        wanted[owner_type.value, owner_id] = name
    if not wanted:
        return {}

    ids_by_type: dict[str, list[int | None]] = {}
    for owner_type, owner_id in wanted:
        ids_by_type.setdefault(owner_type, []).append(owner_id)
    match = Q.create(
        [
            Q(owner_type=owner_type, owner_id__isnull=True)
            if ids == [None]
            else Q(owner_type=owner_type, owner_id__in=ids)
            for owner_type, ids in ids_by_type.items()
        ],
        connector=Q.OR,
    )

    def fetch() -> dict[tuple[str, int | None], Account]:
        return {
            (account.owner_type, account.owner_id): account
            for account in Account.objects.filter(match)
        }

    found = fetch()
    missing = [key for key in wanted if key not in found]
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    owner_type=owner_type,
                    owner_id=owner_id,
                    code=_account_code(owner_type, owner_id),
                    name=wanted[owner_type, owner_id] or _account_code(owner_type, owner_id),
                    kind=KIND_BY_OWNER_TYPE[owner_type],
                )
                for owner_type, owner_id in missing
            ],
            ignore_conflicts=True,
        )
        if len(missing) >= REPLAN_AFTER_NEW_ACCOUNTS:
            _replan_accounts()
        found = fetch()
    return found


# New accounts in one call from which the account table's statistics are refreshed
# at once (a county's first close opens tens of thousands).
REPLAN_AFTER_NEW_ACCOUNTS = 1000


def _replan_accounts() -> None:
    """Refresh the account table's statistics on PostgreSQL, inside the transaction
    (ANALYZE counts its own new rows), so that PostgreSQL plans anew the checks of
    the foreign keys to it (entries, daily totals) that each connection keeps. A
    plan kept since the table held a handful of accounts reads the whole table for
    every entry: at 70,000 new households a month's close took minutes, reading the
    table billions of rows over, where with new statistics it reads one row each."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Account._meta.db_table)}")


def _account_code(owner_type: Account.OwnerType | str, owner_id: int | None) -> str:
    owner_type = Account.OwnerType(owner_type)
    return owner_type.value if owner_id is None else f"{owner_type.value}:{owner_id}"


def clearing_account() -> Account:
    owner_type, _owner_id, name = clearing_owner()
    return account_for(owner_type=owner_type, name=name)


def bank_account() -> Account:
    return account_for(owner_type=Account.OwnerType.BANK, name=str(Account.OwnerType.BANK.label))


def producer_account(producer: Producer) -> Account:
    owner_type, owner_id, name = producer_owner(producer)
    return account_for(owner_type=owner_type, owner_id=owner_id, name=name)


def pool_account(pool: AidPool) -> Account:
    owner_type, owner_id, name = pool_owner(pool)
    return account_for(owner_type=owner_type, owner_id=owner_id, name=name)


def clearing_owner() -> tuple[Account.OwnerType, None, str]:
    """The processor clearing account as ``accounts_for`` takes it."""
    owner_type = Account.OwnerType.PROCESSOR_CLEARING
    return (owner_type, None, str(owner_type.label))


def producer_owner(producer: Producer) -> tuple[Account.OwnerType, int, str]:
    """The producer's account as ``accounts_for`` takes it."""
    return (
        Account.OwnerType.PRODUCER,
        producer.pk,
        f"{Account.OwnerType.PRODUCER.label} {producer.name}",
    )


def pool_owner(pool: AidPool) -> tuple[Account.OwnerType, int, str]:
    return (Account.OwnerType.POOL, pool.pk, pool.name)


def household_owner(household: Household) -> tuple[Account.OwnerType, int, str]:
    # The masked name: the ledger is read by auditors, who see personal data masked.
    # Lazy: only a new account is named, and a close passes every household, each
    # of whose Chinese labels would otherwise be looked up through every catalogue.
    return (
        Account.OwnerType.HOUSEHOLD,
        household.pk,
        format_lazy("{} {}", Account.OwnerType.HOUSEHOLD.label, household),
    )


@dataclass(frozen=True)
class Posting:
    """A balanced transaction about to be posted (see ``post_transaction``)."""

    kind: Transaction.Kind | str
    idempotency_key: str
    entries: Sequence[EntrySpec]
    source: str = ""
    memo: str = ""
    booked_at: datetime | None = None


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
    posting = Posting(
        kind=kind,
        idempotency_key=idempotency_key,
        entries=entries,
        source=source,
        memo=memo,
        booked_at=booked_at,
    )
    return post_transactions(postings=[posting])[0]


def post_transactions(
    *, postings: Sequence[Posting], head: ChainHead | None = None
) -> list[Transaction]:
    """Post several transactions as ``post_transaction`` posts one, and return
    them in the same order, in a fixed number of queries however many there
    are (an order's accrual posts one per line): every posting is checked,
    and the keys used before compared, before anything is written; then the
    new ones are written together, drafts, their entries, marked posted, so
    all of them or none.

    ``head``: the chain head as ``lock_chain_head`` returned it, locked by the
    caller earlier in the same database transaction (an accrual decides its
    booking month under it). No posting under the same keys can then commit
    between their reading and their writing, so the batch is written without
    locking the head again or a savepoint of its own (three round trips fewer
    per payment); an error then aborts the caller's whole transaction.
    """
    keys = [posting.idempotency_key for posting in postings]
    if not all(keys):
        raise ValueError("a posting needs an idempotency key")
    if len(set(keys)) != len(keys):
        raise ValueError("the same idempotency key twice in one batch")
    for posting in postings:
        Transaction.Kind(posting.kind)
        _check_balanced(posting.entries)

    existing = Transaction.objects.in_bulk(keys, field_name="idempotency_key")
    for posting in postings:
        if posting.idempotency_key in existing:
            _same_posting_or_conflict(existing[posting.idempotency_key], posting)
    new = [posting for posting in postings if posting.idempotency_key not in existing]
    if head is not None:
        written = _write(new, head=head) if new else {}
        return [existing.get(key) or written[key] for key in keys]
    try:
        if new:
            with transaction.atomic():
                # Locked first: whoever holds the head never waits for another
                # posting's uncommitted idempotency key.
                written = _write(new, head=lock_chain_head())
        else:
            written = {}
    except IntegrityError:
        # A concurrent caller may have posted under one of the same keys
        # first: post again, taking its transactions as existing ones.
        taken = Transaction.objects.filter(idempotency_key__in=keys).exclude(
            idempotency_key__in=existing
        )
        if not taken.exists():
            raise
        return post_transactions(postings=postings)
    return [existing.get(key) or written[key] for key in keys]


def _write(postings: Sequence[Posting], *, head: ChainHead) -> dict[str, Transaction]:
    """Write ``postings`` after the locked ``head``, and move it past them."""
    # Chained before they are written (the hash needs no database id), so
    # the drafts go in with their place in the chain and one UPDATE posts them.
    sequence, previous_hash = head.sequence, head.chain_hash
    drafts = []
    for posting in postings:
        sequence += 1
        draft = Transaction(
            kind=Transaction.Kind(posting.kind),
            idempotency_key=posting.idempotency_key,
            source=posting.source,
            memo=posting.memo,
            created_at=posting.booked_at or timezone.now(),
            sequence=sequence,
            previous_hash=previous_hash,
        )
        draft.chain_hash = previous_hash = chain.transaction_hash(
            draft,
            previous_hash=previous_hash,
            entries=[
                (spec.account.code, spec.amount_fen, spec.order_line_id) for spec in posting.entries
            ],
        )
        drafts.append(draft)
    drafts = Transaction.objects.bulk_create(drafts)
    Entry.objects.bulk_create(
        # By ids: a close writes an entry per household, and setting related
        # objects costs Django several times more per row.
        Entry(
            transaction_id=draft.pk,
            account_id=spec.account.pk,
            amount_fen=spec.amount_fen,
            order_line_id=spec.order_line_id,
        )
        for draft, posting in zip(drafts, postings, strict=True)
        for spec in posting.entries
    )
    Transaction.objects.filter(pk__in=[draft.pk for draft in drafts]).update(posted=True)
    ChainHead.objects.filter(pk=head.pk).update(sequence=sequence, chain_hash=previous_hash)
    # The caller's head stays current, for its next posting in this transaction.
    head.sequence, head.chain_hash = sequence, previous_hash
    for draft in drafts:
        draft.posted = True
    return {draft.idempotency_key: draft for draft in drafts}


def lock_chain_head() -> ChainHead:
    """The chain's head row, locked until the end of the database transaction:
    the posting that holds it is the only one extending the chain. Made on
    first use (and after a flush) from the last chained transaction."""
    try:
        return ChainHead.objects.select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:
        last = (
            Transaction.objects.filter(sequence__isnull=False)
            .order_by("-sequence")
            .values_list("sequence", "chain_hash")
            .first()
        )
        sequence, chain_hash = last or (0, chain.GENESIS_HASH)
        head, _created = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"sequence": sequence, "chain_hash": chain_hash}
        )
        return head


def balance(account: Account) -> int:
    """The account's balance in fen over posted transactions, in its natural direction.

    Assets are debit-positive; liabilities and income are credit-positive, so a
    household payable of ¥1.00 is 100, not -100.
    """
    total = Entry.objects.filter(account=account, transaction__posted=True).aggregate(
        total=Coalesce(Sum("amount_fen"), 0)
    )["total"]
    return total if account.kind == Account.Kind.ASSET else -total


def lock_accounts(*, owner_type: AccountOwnerType | str) -> dict[int, Account]:
    """The accounts of ``owner_type`` by id, locked until the end of the caller's
    transaction (a payout batch reserves what they hold)."""
    return {
        account.pk: account
        for account in Account.objects.select_for_update().filter(owner_type=owner_type)
    }


def posted_totals(*, account_ids: Iterable[int]) -> defaultdict[int, int]:
    """Debit-positive sums of the accounts' posted entries, 0 for an account without any."""
    totals: defaultdict[int, int] = defaultdict(int)
    rows = (
        Entry.objects.filter(account_id__in=account_ids, transaction__posted=True)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        totals[row["account_id"]] = row["total"]
    return totals


def _check_balanced(entries: Sequence[EntrySpec]) -> None:
    if len(entries) < 2:
        raise UnbalancedTransaction(f"a transaction needs at least two entries, got {len(entries)}")
    total = sum(spec.amount_fen for spec in entries)
    if total != 0:
        legs = ", ".join(f"{spec.account.code} {spec.amount_fen:+d}" for spec in entries)
        raise UnbalancedTransaction(f"entries sum to {total:+d} fen, not 0: {legs}")


def _same_posting_or_conflict(existing: Transaction, posting: Posting) -> Transaction:
    # None sorts badly against ints: compare order lines as -1 when absent.
    stored_legs = sorted(
        (account_id, amount, line_id or -1)
        for account_id, amount, line_id in existing.entries.values_list(
            "account_id", "amount_fen", "order_line_id"
        )
    )
    new_legs = sorted(
        (spec.account.pk, spec.amount_fen, spec.order_line_id or -1) for spec in posting.entries
    )
    if (existing.kind, existing.source, existing.memo, stored_legs) != (
        Transaction.Kind(posting.kind),
        posting.source,
        posting.memo,
        new_legs,
    ):
        raise IdempotencyConflict(
            f"idempotency key {existing.idempotency_key!r} was already used for transaction "
            f"{existing.pk} with different content"
        )
    return existing
