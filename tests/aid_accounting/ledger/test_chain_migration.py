"""The ``ledger_chain`` migration chains the transactions posted before it, in id order."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from aid_accounting.ledger.chain import GENESIS_HASH, verify_chain
from aid_accounting.ledger.models import ChainHead, Transaction
from aid_accounting.ledger.posting import EntrySpec, account_for, post_transaction
from tests.aid_accounting.ledger.test_triggers import (
    POSTGRES_TRIGGERS,
    SQLITE_TRIGGERS,
    installed_triggers,
)

GRAPH = MigrationLoader(None, ignore_no_migrations=True).graph
CHAIN = next(
    key for key in GRAPH.nodes if key[0] == "aid_accounting" and key[1].endswith("_ledger_chain")
)
(BEFORE,) = (
    parent.key for parent in GRAPH.node_map[CHAIN].parents if parent.key[0] == "aid_accounting"
)


def migrate(*targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor


@pytest.fixture
def old_apps():
    """The app registry just before ``ledger_chain``, the database migrated back to
    it; afterwards forward again to the latest migrations, for the tests that follow."""
    yield migrate(BEFORE).loader.project_state([BEFORE]).apps
    migrate(*GRAPH.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_history_is_chained_in_id_order_and_the_triggers_are_back(old_apps):
    expected = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}[connection.vendor]
    Account = old_apps.get_model("aid_accounting", "Account")
    OldTransaction = old_apps.get_model("aid_accounting", "Transaction")
    Entry = old_apps.get_model("aid_accounting", "Entry")
    clearing = Account.objects.create(
        code="processor_clearing", name="c", kind="asset", owner_type="processor_clearing"
    )
    pool = Account.objects.create(
        code="pool:7", name="p", kind="liability", owner_type="pool", owner_id=7
    )
    booked = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    # Booked in the reverse order of their ids: the chain follows the ids.
    for n in range(3):
        # Draft and posted in one database transaction, as PostgreSQL's triggers want.
        with transaction.atomic():
            draft = OldTransaction.objects.create(
                kind="accrual",
                idempotency_key=f"old-{n}",
                created_at=booked - datetime.timedelta(days=n),
            )
            Entry.objects.create(transaction=draft, account=clearing, amount_fen=100 + n)
            Entry.objects.create(transaction=draft, account=pool, amount_fen=-100 - n)
            OldTransaction.objects.filter(pk=draft.pk).update(posted=True)

    migrate(CHAIN)

    chained = list(Transaction.objects.order_by("pk"))
    assert [t.sequence for t in chained] == [1, 2, 3]
    assert chained[0].previous_hash == GENESIS_HASH
    assert verify_chain() == []
    head = ChainHead.objects.get()
    assert (head.sequence, head.chain_hash) == (3, chained[-1].chain_hash)
    assert expected <= installed_triggers()
    # Postings go on from the migrated head.
    later = post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="new",
        entries=[
            EntrySpec(account=account_for(owner_type="processor_clearing"), amount_fen=5),
            EntrySpec(account=account_for(owner_type="pool", owner_id=7), amount_fen=-5),
        ],
    )
    assert Transaction.objects.get(pk=later.pk).sequence == 4
    assert verify_chain() == []
