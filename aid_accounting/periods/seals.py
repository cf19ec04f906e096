"""Period seals: what the ledger was when a period closed (docs/aid-accounting.md).

``seal_period`` runs at the end of a close, in its database transaction, under
the chain head's lock (so no posting slips in between the head and the
balances it reads). A seal's hash is the sha256 of the canonical JSON
(``ledger.chain.canonical_json``) of

    {"period": "2026-10", "sealed_at": UTC text, "head_sequence", "head_hash",
     "balances_hash", "previous_hash"}

where ``balances_hash`` is the sha256 of the canonical JSON of the balances,
``[[account code, debit-positive fen], ...]`` sorted by code, over the chain up
to the head, and ``previous_hash`` is the previous period's seal hash
(``GENESIS_HASH`` for the first seal). ``verify_seals`` recomputes all of it
against the ledger as it is now.
"""

import datetime
from dataclasses import dataclass

from aid_accounting.ledger import chain
from aid_accounting.ledger.posting import lock_chain_head
from aid_accounting.periods.models import AccountingPeriod, PeriodSeal


@dataclass(frozen=True)
class SealBreak:
    period: str
    message: str

    def __str__(self) -> str:
        return f"seal of {self.period}: {self.message}"


def seal_period(*, period: AccountingPeriod, now: datetime.datetime) -> PeriodSeal:
    """Seal ``period``, which the caller's database transaction has just closed."""
    head = lock_chain_head()
    previous = PeriodSeal.objects.order_by("-period__start").first()
    balances = chain.balances_at(sequence=head.sequence)
    seal = PeriodSeal(
        period=period,
        sealed_at=now,
        head_sequence=head.sequence,
        head_hash=head.chain_hash,
        balances=balances,
        balances_hash=chain.balances_hash(balances),
        previous_hash=previous.seal_hash if previous else chain.GENESIS_HASH,
    )
    seal.seal_hash = seal_hash(seal)
    seal.save()
    return seal


def canonical_seal(seal: PeriodSeal) -> dict:
    return {
        "period": seal.period.code,
        "sealed_at": chain.utc_text(seal.sealed_at),
        "head_sequence": seal.head_sequence,
        "head_hash": seal.head_hash,
        "balances_hash": seal.balances_hash,
        "previous_hash": seal.previous_hash,
    }


def seal_hash(seal: PeriodSeal) -> str:
    return chain.sha256(canonical_seal(seal))


def seal_breaks(seal: PeriodSeal) -> list[SealBreak]:
    """What of ``seal`` itself no longer matches the ledger (its link to the
    previous seal aside: ``verify_seals`` checks the links). One balance query."""
    breaks = []

    def broken(message: str) -> None:
        breaks.append(SealBreak(seal.period.code, message))

    if seal_hash(seal) != seal.seal_hash:
        broken("its fields no longer match its seal hash")
    if chain.balances_hash(seal.balances) != seal.balances_hash:
        broken("its stored balances no longer match their hash")
    ledger_hash = chain.hash_at(seal.head_sequence)
    if ledger_hash != seal.head_hash:
        broken(
            f"the ledger's transaction {seal.head_sequence} "
            + ("is missing" if ledger_hash is None else f"hashes to {ledger_hash[:12]}…")
            + f", the seal recorded {seal.head_hash[:12]}…"
        )
    now = chain.balances_at(sequence=seal.head_sequence)
    if now != seal.balances:
        sealed = dict(seal.balances)
        current = dict(now)
        code = min(c for c in sealed.keys() | current.keys() if sealed.get(c) != current.get(c))
        broken(
            f"account {code} had {sealed.get(code, 0)} fen at the close; the ledger "
            f"up to transaction {seal.head_sequence} now gives {current.get(code, 0)}"
        )
    return breaks


def export_records(*, through: int) -> list[dict]:
    """The seals whose head is at most ``through``, oldest first, as the export
    gives them: canonical content and hash (the balances are recomputed from
    the exported transactions)."""
    seals = (
        PeriodSeal.objects.filter(head_sequence__lte=through)
        .select_related("period")
        .order_by("period__start")
    )
    return [{"type": "seal", "content": canonical_seal(s), "hash": s.seal_hash} for s in seals]


def verify_seals() -> list[SealBreak]:
    """Every problem of the seals, oldest period first; empty if all match the ledger.

    One balance query per seal (a seal a month)."""
    breaks = []
    previous_hash = chain.GENESIS_HASH
    seals = PeriodSeal.objects.select_related("period").order_by("period__start")
    for seal in seals:
        if seal.previous_hash != previous_hash:
            breaks.append(
                SealBreak(
                    seal.period.code, "its previous hash is not the previous period's seal hash"
                )
            )
        breaks += seal_breaks(seal)
        previous_hash = seal.seal_hash
    first = PeriodSeal.objects.order_by("period__start").values_list("period__start", flat=True)
    if first_start := first.first():
        breaks += [
            SealBreak(code, "closed without a seal")
            for code in AccountingPeriod.objects.filter(
                status=AccountingPeriod.Status.CLOSED, start__gt=first_start, seal__isnull=True
            )
            .order_by("start")
            .values_list("code", flat=True)
        ]
    return breaks
