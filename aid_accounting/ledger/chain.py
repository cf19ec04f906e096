"""The ledger's hash chain: the recipe, and recomputing it (docs/aid-accounting.md).

Every posted transaction has a ``sequence`` (1, 2, 3... in the order they were
posted), the ``previous_hash`` of the transaction before it (``GENESIS_HASH``
for the first) and ``chain_hash``, the sha256 of its canonical content:

    {"sequence", "previous_hash", "kind", "idempotency_key", "source", "memo",
     "created_at": UTC, "%Y-%m-%dT%H:%M:%S.%fZ",
     "entries": [[account code, amount_fen, order line id or null], ...] in entry order}

as JSON with sorted keys, no whitespace, UTF-8 (``canonical_json``). The
database ids are left out: the content is what was posted, wherever it is
restored. ``ledger.posting`` sets all three when it posts; ``verify_chain``
recomputes them. docs/verify_chain.py does the same from an export.
"""

import datetime
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Sum

from aid_accounting.ledger.models import ChainHead, Entry, Transaction

# The previous hash of the first transaction (and of the first period seal).
GENESIS_HASH = "0" * 64

# Entries as the chain sees them: (account code, amount in fen, order line id or None).
EntryLeg = tuple[str, int, int | None]


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops matching: the transaction (or None for the head
    row) and what differs."""

    transaction_id: int | None
    sequence: int | None
    message: str

    def __str__(self) -> str:
        if self.transaction_id is None:
            return f"chain head: {self.message}"
        return f"transaction {self.transaction_id} (sequence {self.sequence}): {self.message}"


def canonical_json(value: object) -> bytes:
    """JSON with sorted keys, no whitespace, non-ASCII kept, UTF-8: the same
    bytes for the same content on any machine."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def utc_text(moment: datetime.datetime) -> str:
    """Always six decimals and a Z, so the text does not depend on the value."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_transaction(
    transaction: Transaction, *, previous_hash: str, entries: Sequence[EntryLeg]
) -> dict:
    return {
        "sequence": transaction.sequence,
        "previous_hash": previous_hash,
        "kind": str(transaction.kind),
        "idempotency_key": transaction.idempotency_key,
        "source": transaction.source,
        "memo": transaction.memo,
        "created_at": utc_text(transaction.created_at),
        "entries": [[code, amount, line_id] for code, amount, line_id in entries],
    }


def transaction_hash(
    transaction: Transaction, *, previous_hash: str, entries: Sequence[EntryLeg]
) -> str:
    return sha256(canonical_transaction(transaction, previous_hash=previous_hash, entries=entries))


def balances_at(*, sequence: int) -> list[list]:
    """``[[account code, debit-positive fen], ...]`` sorted by code: the sum of
    each account's entries in the transactions of the chain up to ``sequence``;
    only accounts with such entries."""
    rows = (
        Entry.objects.filter(transaction__sequence__lte=sequence)
        .values("account__code")
        .annotate(total=Sum("amount_fen"))
        .values_list("account__code", "total")
    )
    return [[code, total] for code, total in sorted(rows)]


def balances_hash(balances: Sequence[Sequence]) -> str:
    return sha256([[code, fen] for code, fen in balances])


def head_sequence() -> int:
    """The chain's last sequence as committed now (0 before the first posting)."""
    return ChainHead.objects.values_list("sequence", flat=True).first() or 0


def export_records(*, through: int) -> Iterator[dict]:
    """The chain up to ``through`` as the export gives it (``aid_export_ledger
    --format chain``): per transaction its canonical content and its hash."""
    for transaction, legs in chained(through=through):
        yield {
            "type": "transaction",
            "content": canonical_transaction(
                transaction, previous_hash=transaction.previous_hash, entries=legs
            ),
            "hash": transaction.chain_hash,
        }


def hash_at(sequence: int) -> str | None:
    """The chain hash after ``sequence`` transactions (``GENESIS_HASH`` for 0),
    None if no transaction has that sequence."""
    if sequence == 0:
        return GENESIS_HASH
    return (
        Transaction.objects.filter(sequence=sequence).values_list("chain_hash", flat=True).first()
    )


def chained(*, through: int | None = None) -> Iterator[tuple[Transaction, list[EntryLeg]]]:
    """Each transaction that has a sequence (up to ``through``), in sequence
    order, with its entries in entry order; two queries, read in chunks."""
    in_chain = {"sequence__isnull": False}
    if through is not None:
        in_chain["sequence__lte"] = through
    entries = (
        Entry.objects.filter(**{f"transaction__{key}": value for key, value in in_chain.items()})
        .order_by("transaction__sequence", "pk")
        .values_list("transaction_id", "account__code", "amount_fen", "order_line_id")
        .iterator(chunk_size=5000)
    )
    pending = next(entries, None)
    transactions = Transaction.objects.filter(**in_chain).order_by("sequence")
    for transaction in transactions.iterator(chunk_size=2000):
        legs = []
        while pending is not None and pending[0] == transaction.pk:
            legs.append(tuple(pending[1:]))
            pending = next(entries, None)
        yield transaction, legs


def verify_chain() -> list[ChainBreak]:
    """Every break of the chain, in chain order; empty if it is intact.

    Each transaction is checked on its own (its content against its hash,
    with the previous hash it stores) and against the one before it (the
    sequence follows on, the previous hash is that one's hash), so an edit
    names the edited transaction, a deletion or a reordering the first one
    out of place. Then posted transactions outside the chain, and the head.
    """
    breaks = []
    expected_sequence, previous_hash = 1, GENESIS_HASH
    for transaction, legs in chained():

        def broken(message: str, transaction: Transaction = transaction) -> None:
            breaks.append(ChainBreak(transaction.pk, transaction.sequence, message))

        if transaction.sequence != expected_sequence:
            broken(
                f"sequence {transaction.sequence} where {expected_sequence} was expected: "
                "a transaction is missing or out of order"
            )
        if transaction.previous_hash != previous_hash:
            broken(
                f"its previous hash {transaction.previous_hash[:12]}… is not the hash of the "
                f"transaction before it ({previous_hash[:12]}…): one was removed or reordered"
            )
        recomputed = transaction_hash(
            transaction, previous_hash=transaction.previous_hash, entries=legs
        )
        if recomputed != transaction.chain_hash:
            broken(
                f"its content (fields or entries) hashes to {recomputed[:12]}…, "
                f"not the stored {transaction.chain_hash[:12]}…: it was changed after posting"
            )
        if not transaction.posted:
            broken("it is in the chain but no longer marked posted")
        expected_sequence = transaction.sequence + 1
        previous_hash = transaction.chain_hash
    breaks += [
        ChainBreak(pk, None, "posted but not in the chain")
        for pk in Transaction.objects.filter(posted=True, sequence__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    head = ChainHead.objects.first()
    last_sequence = expected_sequence - 1
    if head is not None and (head.sequence, head.chain_hash) != (last_sequence, previous_hash):
        breaks.append(
            ChainBreak(
                None,
                head.sequence,
                f"the head records sequence {head.sequence} ({head.chain_hash[:12]}…) but the "
                f"chain ends at {last_sequence} ({previous_hash[:12]}…): "
                "transactions were removed from its end, or the head was changed",
            )
        )
    return breaks
