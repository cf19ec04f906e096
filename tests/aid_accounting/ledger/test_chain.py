"""The ledger's hash chain: set by the posting, recomputed by ``aid_verify_ledger``,
which names the first transaction someone changed behind the triggers' back.

Tampering is done as someone with database access would: the triggers dropped,
raw SQL, the triggers put back. Runs on SQLite and PostgreSQL alike."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from aid_accounting.ledger import chain, triggers
from aid_accounting.ledger.chain import GENESIS_HASH, verify_chain
from aid_accounting.ledger.models import ChainHead, Transaction
from aid_accounting.ledger.posting import EntrySpec, Posting, post_transaction, post_transactions
from tests.aid_accounting.ledger.test_posting import run_concurrently

pytestmark = pytest.mark.django_db


def transfer(key: str, debit, credit, amount_fen: int) -> Transaction:
    return post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key=key,
        entries=[
            EntrySpec(account=debit, amount_fen=amount_fen),
            EntrySpec(account=credit, amount_fen=-amount_fen),
        ],
        memo=f"转账 {key}",
    )


@pytest.fixture
def ledger(clearing, producer_payable, pool):
    """Four posted transactions, sequences 1 to 4."""
    return [
        transfer("t1", clearing, pool, 100),
        transfer("t2", clearing, producer_payable, 200),
        transfer("t3", clearing, pool, 300),
        transfer("t4", producer_payable, pool, 50),
    ]


def raw(sql: str, params: list) -> None:
    """Run ``sql`` with the ledger's triggers off, as a tamperer would."""
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    triggers.install(connection)


def stored(transaction: Transaction) -> Transaction:
    return Transaction.objects.get(pk=transaction.pk)


def test_postings_extend_the_chain_from_the_genesis_hash(ledger):
    rows = [stored(t) for t in ledger]

    assert [t.sequence for t in rows] == [1, 2, 3, 4]
    assert rows[0].previous_hash == GENESIS_HASH
    assert [t.previous_hash for t in rows[1:]] == [t.chain_hash for t in rows[:-1]]
    head = ChainHead.objects.get()
    assert (head.sequence, head.chain_hash) == (4, rows[-1].chain_hash)
    assert verify_chain() == []


def test_the_hash_covers_the_fields_and_the_entries(ledger, clearing, pool):
    second = stored(ledger[1])
    legs = list(
        second.entries.order_by("pk").values_list("account__code", "amount_fen", "order_line_id")
    )
    content = chain.canonical_transaction(second, previous_hash=second.previous_hash, entries=legs)

    assert content == {
        "sequence": 2,
        "previous_hash": stored(ledger[0]).chain_hash,
        "kind": "accrual",
        "idempotency_key": "t2",
        "source": "",
        "memo": "转账 t2",
        "created_at": chain.utc_text(second.created_at),
        "entries": [["processor_clearing", 200, None], ["producer:1", -200, None]],
    }
    assert second.chain_hash == chain.sha256(content)
    assert chain.utc_text(second.created_at).endswith("Z")


def test_a_batch_is_chained_in_one_go(clearing, pool, django_assert_num_queries):
    transfer("first", clearing, pool, 1)

    def batch(prefix: str, count: int) -> list[Posting]:
        return [
            Posting(
                kind=Transaction.Kind.ACCRUAL,
                idempotency_key=f"{prefix}{n}",
                entries=[
                    EntrySpec(account=clearing, amount_fen=n + 1),
                    EntrySpec(account=pool, amount_fen=-n - 1),
                ],
            )
            for n in range(count)
        ]

    # The same queries for one posting or five: read keys, lock the head,
    # insert the transactions (chained already), their entries, mark them
    # posted, move the head, inside one savepoint.
    with django_assert_num_queries(8):
        post_transactions(postings=batch("one-", 1))
    with django_assert_num_queries(8):
        posted = post_transactions(postings=batch("five-", 5))

    assert [stored(t).sequence for t in posted] == [3, 4, 5, 6, 7]
    assert ChainHead.objects.get().sequence == 7
    assert verify_chain() == []


def test_a_posting_again_under_its_key_does_not_extend_the_chain(ledger, clearing, pool):
    again = transfer("t1", clearing, pool, 100)

    assert again.pk == ledger[0].pk
    assert ChainHead.objects.get().sequence == 4


def test_the_head_is_made_from_the_last_chained_transaction_when_missing(ledger, clearing, pool):
    ChainHead.objects.all().delete()

    fifth = transfer("t5", clearing, pool, 5)

    assert stored(fifth).sequence == 5
    assert verify_chain() == []


def test_verify_ledger_passes_on_an_intact_ledger(ledger, capsys):
    call_command("aid_verify_ledger")

    assert "intact" in capsys.readouterr().out


def test_an_edited_entry_names_its_transaction(ledger, pool, clearing):
    third = ledger[2]
    # Balanced, so the triggers' own rule (entries sum to zero) would not see it.
    raw(
        "UPDATE aid_accounting_entry SET amount_fen = amount_fen + 1 WHERE transaction_id = %s",
        [third.pk],
    )
    raw(
        "UPDATE aid_accounting_entry SET amount_fen = amount_fen - 2 "
        "WHERE transaction_id = %s AND amount_fen < 0",
        [third.pk],
    )

    breaks = verify_chain()

    assert [(b.transaction_id, b.sequence) for b in breaks] == [(third.pk, 3)]
    assert "changed after posting" in breaks[0].message
    with pytest.raises(CommandError, match=rf"transaction {third.pk} \(sequence 3\)"):
        call_command("aid_verify_ledger")


def test_an_edited_memo_names_its_transaction(ledger):
    raw("UPDATE aid_accounting_transaction SET memo = %s WHERE id = %s", ["改过", ledger[1].pk])

    assert [b.sequence for b in verify_chain()] == [2]


def test_a_deleted_transaction_is_named_by_the_one_after_it(ledger):
    second = ledger[1]
    raw("DELETE FROM aid_accounting_entry WHERE transaction_id = %s", [second.pk])
    raw("DELETE FROM aid_accounting_transaction WHERE id = %s", [second.pk])

    breaks = verify_chain()

    assert {b.transaction_id for b in breaks} == {ledger[2].pk}
    assert "sequence 3 where 2 was expected" in breaks[0].message
    assert "removed or reordered" in breaks[1].message


def test_a_transaction_deleted_from_the_end_is_found_by_the_head(ledger):
    last = ledger[-1]
    raw("DELETE FROM aid_accounting_entry WHERE transaction_id = %s", [last.pk])
    raw("DELETE FROM aid_accounting_transaction WHERE id = %s", [last.pk])

    (only,) = verify_chain()

    assert only.transaction_id is None
    assert "head records sequence 4" in only.message and "chain ends at 3" in only.message


def test_reordered_transactions_break_at_the_first_moved(ledger):
    second, third = ledger[1], ledger[2]
    raw("UPDATE aid_accounting_transaction SET sequence = %s WHERE id = %s", [99, second.pk])
    raw("UPDATE aid_accounting_transaction SET sequence = %s WHERE id = %s", [2, third.pk])
    raw("UPDATE aid_accounting_transaction SET sequence = %s WHERE id = %s", [3, second.pk])

    breaks = verify_chain()

    assert breaks[0].transaction_id == third.pk
    assert breaks[0].sequence == 2


def test_a_posted_transaction_outside_the_chain_is_named(ledger):
    raw(
        "UPDATE aid_accounting_transaction SET sequence = NULL, chain_hash = '' WHERE id = %s",
        [ledger[3].pk],
    )

    assert [str(b) for b in verify_chain()][-2:] == [
        f"transaction {ledger[3].pk} (sequence None): posted but not in the chain",
        "chain head: the head records sequence 4 "
        f"({ChainHead.objects.get().chain_hash[:12]}…) but the chain ends at 3 "
        f"({stored(ledger[2]).chain_hash[:12]}…): "
        "transactions were removed from its end, or the head was changed",
    ]


def test_the_triggers_refuse_rechaining_a_posted_transaction(ledger):
    hashed = stored(ledger[0]).chain_hash

    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=ledger[0].pk).update(chain_hash="0" * 64)

    assert stored(ledger[0]).chain_hash == hashed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_postings_never_extend_the_chain_from_the_same_head(clearing, pool):
    keys = iter(range(100))

    results = run_concurrently(
        lambda: [transfer(f"race-{next(keys)}", clearing, pool, 10).pk for _ in range(5)],
        threads=4,
    )

    assert sum(len(posted) for posted in results) == 20
    assert sorted(Transaction.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    assert verify_chain() == []
