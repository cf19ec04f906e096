import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aid_accounting.exceptions import IdempotencyConflict, UnbalancedTransaction
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.ledger.posting import (
    REPLAN_AFTER_NEW_ACCOUNTS,
    EntrySpec,
    Posting,
    account_for,
    accounts_for,
    balance,
    bank_account,
    clearing_account,
    pool_account,
    post_transaction,
    post_transactions,
    posted_totals,
    producer_account,
)
from tests.aid_accounting.factories import AidPoolFactory
from tests.producers.factories import ProducerFactory
from tests.shop.factories import OrderLineFactory

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
    with pytest.raises(
        UnbalancedTransaction,
        match=r"^entries sum to \+1 fen, not 0: processor_clearing \+500, pool:1 -499$",
    ):
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
    with pytest.raises(TypeError, match=r"^amount_fen must be an int, got 39\.8$"):
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
    with pytest.raises(ValueError, match=r"^a posting needs an idempotency key$"):
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


def test_entry_on_an_unsaved_account_is_refused():
    with pytest.raises(ValueError, match=r"^entries need a saved account \(see account_for\)$"):
        EntrySpec(account=Account(code="pool:9"), amount_fen=100)


def test_entry_of_true_fen_is_refused(clearing):
    with pytest.raises(TypeError):
        EntrySpec(account=clearing, amount_fen=True)


def test_a_posting_without_source_or_memo_stores_them_empty(clearing, pool):
    posted = transfer("accrual:bare", clearing, pool, 100)

    assert posted.posted is True
    stored = Transaction.objects.get(pk=posted.pk)
    assert (stored.posted, stored.source, stored.memo) == (True, "", "")


def test_a_posting_booked_in_the_past_takes_effect_then(clearing, pool):
    received = datetime.datetime(2026, 3, 4, 9, 30, tzinfo=datetime.UTC)

    posted = transfer("accrual:late-transfer", clearing, pool, 100, booked_at=received)

    assert Transaction.objects.get(pk=posted.pk).created_at == received


def test_entries_keep_the_order_line_they_come_from(clearing, pool):
    line = OrderLineFactory()

    post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key=f"accrual:order-line:{line.pk}",
        entries=[
            EntrySpec(account=clearing, amount_fen=100, order_line_id=line.pk),
            EntrySpec(account=pool, amount_fen=-100, order_line_id=line.pk),
        ],
    )

    assert list(Entry.objects.values_list("order_line_id", flat=True)) == [line.pk, line.pk]


def test_the_same_key_twice_in_one_batch_is_refused(clearing, pool):
    posting = Posting(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="accrual:twice",
        entries=[EntrySpec(account=clearing, amount_fen=1), EntrySpec(account=pool, amount_fen=-1)],
    )

    with pytest.raises(ValueError, match=r"^the same idempotency key twice in one batch$"):
        post_transactions(postings=[posting, posting])

    assert not Transaction.objects.exists()


def test_posting_again_only_reads(
    sale, clearing, producer_payable, pool, django_assert_num_queries
):
    with django_assert_num_queries(2):
        again = post_transaction(
            kind=Transaction.Kind.ACCRUAL,
            idempotency_key="accrual:order-line:1",
            entries=[
                EntrySpec(account=clearing, amount_fen=3_980),
                EntrySpec(account=producer_payable, amount_fen=-2_985),
                EntrySpec(account=pool, amount_fen=-995),
            ],
            source="order:1",
        )

    assert again.pk == sale.pk


def test_a_posting_that_loses_a_race_for_its_key_returns_the_winner(
    sale, clearing, pool, monkeypatch
):
    """The other caller's transaction was committed after this one looked its key up."""
    in_bulk = Transaction.objects.in_bulk
    lookups = []

    def stale_in_bulk(*args, **kwargs):
        lookups.append(args)
        return {} if len(lookups) == 1 else in_bulk(*args, **kwargs)

    monkeypatch.setattr(Transaction.objects, "in_bulk", stale_in_bulk)

    again = post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="accrual:order-line:1",
        entries=[
            EntrySpec(account=clearing, amount_fen=3_980),
            EntrySpec(account=sale.entries.get(amount_fen=-2_985).account, amount_fen=-2_985),
            EntrySpec(account=pool, amount_fen=-995),
        ],
        source="order:1",
    )

    assert again.pk == sale.pk
    assert len(lookups) == 2
    assert (Transaction.objects.count(), Entry.objects.count()) == (1, 3)


def test_posted_totals_are_debit_positive_over_posted_entries_only(
    sale, make_draft, clearing, pool, producer_payable
):
    unused = account_for(owner_type=Account.OwnerType.BANK)
    make_draft((clearing, 500), (pool, -500))

    totals = posted_totals(account_ids=[clearing.pk, pool.pk, unused.pk])

    assert dict(totals) == {clearing.pk: 3_980, pool.pk: -995}
    assert totals[unused.pk] == 0


def test_account_for_names_an_unnamed_account_by_its_code():
    assert account_for(owner_type=Account.OwnerType.POOL, owner_id=3).name == "pool:3"


def test_the_named_accounts_are_named_after_their_owners():
    producer = ProducerFactory()
    aid_pool = AidPoolFactory()

    assert [
        clearing_account().name,
        bank_account().name,
        producer_account(producer).name,
        pool_account(aid_pool).name,
    ] == ["支付渠道待清算", "银行存款", f"应付生产者 {producer.name}", aid_pool.name]


def test_accounts_for_returns_the_wanted_accounts_and_creates_the_missing(
    clearing, producer_payable, pool
):
    bank = account_for(owner_type=Account.OwnerType.BANK)
    other_pool = account_for(owner_type=Account.OwnerType.POOL, owner_id=2)

    found = accounts_for(
        owners=[
            (Account.OwnerType.PROCESSOR_CLEARING, None, ""),
            ("pool", 1, ""),
            (Account.OwnerType.HOUSEHOLD, 1, "应付帮扶户 LGZ-J-1"),
            (Account.OwnerType.HOUSEHOLD, 2, ""),
        ]
    )

    assert set(found) == {
        ("processor_clearing", None),
        ("pool", 1),
        ("household", 1),
        ("household", 2),
    }
    assert (found["processor_clearing", None], found["pool", 1]) == (clearing, pool)
    assert [(a.code, a.name, a.kind) for a in (found["household", 1], found["household", 2])] == [
        ("household:1", "应付帮扶户 LGZ-J-1", Account.Kind.LIABILITY),
        ("household:2", "household:2", Account.Kind.LIABILITY),
    ]
    assert Account.objects.count() == 7
    assert {bank, other_pool, producer_payable}.isdisjoint(found.values())


def test_accounts_for_refuses_an_owner_id_that_does_not_fit():
    with pytest.raises(ValueError, match=r"^pool account with owner_id None$"):
        accounts_for(owners=[(Account.OwnerType.POOL, None, "")])


def account_table_rows_planned_for() -> float:
    """The rows PostgreSQL's statistics give the account table (-1: never analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [Account._meta.db_table]
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("new", [REPLAN_AFTER_NEW_ACCOUNTS - 1, REPLAN_AFTER_NEW_ACCOUNTS])
def test_opening_many_accounts_at_once_refreshes_the_tables_statistics(new):
    """A county's first close opens tens of thousands of household accounts: the
    checks of the entries' foreign keys must then be planned for that many, not for
    the handful the table held (a close went quadratic)."""
    before = account_table_rows_planned_for()
    assert before < REPLAN_AFTER_NEW_ACCOUNTS - 1

    accounts_for(owners=[(Account.OwnerType.HOUSEHOLD, pk, "") for pk in range(1, new + 1)])

    planned_for = account_table_rows_planned_for()
    if new >= REPLAN_AFTER_NEW_ACCOUNTS:
        assert planned_for >= new
    else:
        assert planned_for == before


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
