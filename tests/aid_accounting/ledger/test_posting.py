import threading

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aid_accounting.exceptions import IdempotencyConflict, UnbalancedTransaction
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.ledger.posting import EntrySpec, account_for, balance, post_transaction

pytestmark = pytest.mark.django_db


def transfer(key: str, debit: Account, credit: Account, amount_fen: int, **kwargs) -> Transaction:
    return post_transaction(
        kind=kwargs.pop("kind", Transaction.Kind.ACCRUAL),
        idempotency_key=key,
        entries=[
            EntrySpec(account=debit, amount_fen=amount_fen),
            EntrySpec(account=credit, amount_fen=-amount_fen),
        ],
        **kwargs,
    )


def test_posted_transaction_is_stored_with_its_entries(sale, clearing, producer_payable, pool):
    stored = Transaction.objects.get(idempotency_key="accrual:order-line:1")

    assert stored.posted
    assert stored.kind == Transaction.Kind.ACCRUAL
    assert stored.source == "order:1"
    assert sorted(stored.entries.values_list("account__code", "amount_fen")) == [
        ("pool:1", -995),
        ("processor_clearing", 3_980),
        ("producer:1", -2_985),
    ]


def test_balances_are_in_each_accounts_natural_direction(sale, clearing, producer_payable, pool):
    assert balance(clearing) == 3_980  # asset: what the processor owes us
    assert balance(producer_payable) == 2_985  # liability: what we owe the producer
    assert balance(pool) == 995


def test_balance_of_an_unused_account_is_zero(clearing):
    assert balance(clearing) == 0


def test_balance_leaves_out_drafts(make_draft, clearing, pool):
    make_draft((clearing, 500), (pool, -500))

    assert balance(clearing) == 0


def test_distribution_then_payout_moves_the_balance_along(sale, pool):
    household = account_for(owner_type=Account.OwnerType.HOUSEHOLD, owner_id=7)
    bank = account_for(owner_type=Account.OwnerType.BANK)

    transfer("distribution:pool-1:2026-01", pool, household, 995, kind="distribution")
    transfer("payout:household-7:1", household, bank, 995, kind="payout")

    assert (balance(pool), balance(household), balance(bank)) == (0, 0, -995)


def test_unbalanced_entries_are_refused_before_anything_is_written(clearing, pool):
    with pytest.raises(UnbalancedTransaction, match=r"sum to \+1 fen"):
        post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key="accrual:bad",
            entries=[
                EntrySpec(account=clearing, amount_fen=500),
                EntrySpec(account=pool, amount_fen=-499),
            ],
        )

    assert not Transaction.objects.exists()
    assert not Entry.objects.exists()


def test_a_single_entry_is_refused(clearing):
    with pytest.raises(UnbalancedTransaction, match="at least two entries"):
        post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key="accrual:single",
            entries=[EntrySpec(account=clearing, amount_fen=500)],
        )


def test_entry_of_zero_fen_is_refused(clearing):
    with pytest.raises(ValueError, match="amount 0"):
        EntrySpec(account=clearing, amount_fen=0)


def test_entry_in_yuan_as_a_float_is_refused(clearing):
    with pytest.raises(TypeError):
        EntrySpec(account=clearing, amount_fen=39.8)


def test_posting_twice_with_the_same_key_and_content_writes_once(sale, clearing, pool):
    again = post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="accrual:order-line:1",
        # The same legs in another order are the same posting.
        entries=[
            EntrySpec(account=pool, amount_fen=-995),
            EntrySpec(account=clearing, amount_fen=3_980),
            EntrySpec(account=sale.entries.get(amount_fen=-2_985).account, amount_fen=-2_985),
        ],
        source="order:1",
    )

    assert again.pk == sale.pk
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 3
    assert balance(pool) == 995


def test_reusing_a_key_for_different_content_raises(sale, clearing, pool):
    with pytest.raises(IdempotencyConflict, match="accrual:order-line:1"):
        transfer("accrual:order-line:1", clearing, pool, 1_000)

    assert Entry.objects.count() == 3
    assert balance(pool) == 995


def test_reusing_a_key_with_another_memo_raises(clearing, pool):
    transfer("payout:1", clearing, pool, 100, memo="第一批")

    with pytest.raises(IdempotencyConflict):
        transfer("payout:1", clearing, pool, 100, memo="第二批")


def test_posting_without_an_idempotency_key_is_refused(clearing, pool):
    with pytest.raises(ValueError, match="idempotency key"):
        transfer("", clearing, pool, 100)


def test_account_for_returns_the_same_account_each_time():
    first = account_for(owner_type=Account.OwnerType.HOUSEHOLD, owner_id=42, name="LGZ-x-0042")
    second = account_for(owner_type="household", owner_id=42)

    assert second.pk == first.pk
    assert (second.code, second.name, second.kind) == ("household:42", "LGZ-x-0042", "liability")


@pytest.mark.parametrize(
    ("owner_type", "kind"),
    [
        (Account.OwnerType.PROCESSOR_CLEARING, Account.Kind.ASSET),
        (Account.OwnerType.BANK, Account.Kind.ASSET),
        (Account.OwnerType.PLATFORM, Account.Kind.INCOME),
    ],
)
def test_singleton_accounts_have_no_owner_id(owner_type, kind):
    account = account_for(owner_type=owner_type)

    assert (account.owner_id, account.kind, account.code) == (None, kind, owner_type.value)


def test_party_accounts_need_an_owner_id():
    with pytest.raises(ValueError, match="need an owner_id"):
        account_for(owner_type=Account.OwnerType.POOL)


def test_singleton_accounts_take_no_owner_id():
    with pytest.raises(ValueError, match="take no owner_id"):
        account_for(owner_type=Account.OwnerType.BANK, owner_id=1)


def test_database_allows_one_account_per_owner(pool):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(
            code="pool:1:again", name="重复", kind="liability", owner_type="pool", owner_id=1
        )


def test_database_allows_one_account_per_singleton_owner(clearing):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(
            code="clearing-2", name="重复", kind="asset", owner_type="processor_clearing"
        )


def test_database_refuses_an_account_kind_that_does_not_fit_its_owner():
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(code="x", name="x", kind="asset", owner_type="pool", owner_id=9)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    transfers=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=10**9),
        ).filter(lambda transfer: transfer[0] != transfer[1]),
        max_size=12,
    )
)
def test_signed_balances_always_sum_to_zero(transfers, clearing, producer_payable, pool):
    accounts = [clearing, producer_payable, pool, account_for(owner_type="bank")]
    with transaction.atomic():
        for number, (debit, credit, amount_fen) in enumerate(transfers):
            transfer(f"t{number}", accounts[debit], accounts[credit], amount_fen)

        signed = [
            balance(account) if account.kind == Account.Kind.ASSET else -balance(account)
            for account in accounts
        ]
        assert sum(signed) == 0
        assert signed[0] == sum(a for d, _, a in transfers if d == 0) - sum(
            a for _, c, a in transfers if c == 0
        )
        transaction.set_rollback(True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_account_for_creates_one_account():
    results = run_concurrently(
        lambda: account_for(owner_type=Account.OwnerType.HOUSEHOLD, owner_id=99).pk
    )

    assert len(set(results)) == 1
    assert Account.objects.filter(owner_type="household", owner_id=99).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_postings_with_one_key_write_once(clearing, pool):
    results = run_concurrently(lambda: transfer("accrual:order-line:5", clearing, pool, 250).pk)

    assert len(set(results)) == 1
    assert Transaction.objects.count() == 1
    assert balance(pool) == 250


def run_concurrently(work, threads: int = 4) -> list:
    """Run ``work`` in several threads (own database connections) released at once."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    return results
