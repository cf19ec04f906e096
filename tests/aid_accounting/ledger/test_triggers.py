"""The ledger's rules as the database enforces them, tested with raw SQL.

These run on whichever database DATABASE_URL names; the suite is run on both
SQLite and PostgreSQL. Each refused statement runs in its own savepoint so the
test can go on after the error (PostgreSQL aborts the whole transaction
otherwise).
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from aid_accounting.ledger import triggers
from aid_accounting.ledger.models import Entry, Transaction

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = {
    "aid_ledger_transaction_insert_guard",
    "aid_ledger_transaction_post_guard",
    "aid_ledger_transaction_update_guard",
    "aid_ledger_transaction_delete_guard",
    "aid_ledger_entry_insert_guard",
    "aid_ledger_entry_update_guard",
    "aid_ledger_entry_delete_guard",
}
POSTGRES_TRIGGERS = {
    "aid_ledger_guard_transaction",
    "aid_ledger_guard_entry",
    "aid_ledger_posted_at_commit",
}


def execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params: list) -> None:
    with pytest.raises(IntegrityError, match="ledger"), transaction.atomic():
        execute(sql, params)


def expected_triggers() -> set[str]:
    return SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRES_TRIGGERS


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def test_migrations_install_the_ledger_triggers_in_the_test_database():
    assert expected_triggers() <= installed_triggers()


def test_balanced_draft_can_be_posted(make_draft, clearing, pool):
    draft = make_draft((clearing, 500), (pool, -500))

    execute("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [True, draft.pk])

    assert Transaction.objects.get(pk=draft.pk).posted


def test_unbalanced_transaction_cannot_be_posted(make_draft, clearing, pool):
    draft = make_draft((clearing, 500), (pool, -499))

    refused("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [True, draft.pk])

    assert not Transaction.objects.get(pk=draft.pk).posted


def test_transaction_with_one_entry_cannot_be_posted(make_draft, clearing):
    draft = make_draft((clearing, 500))

    refused("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [True, draft.pk])


def test_transaction_with_no_entries_cannot_be_posted(make_draft):
    draft = make_draft()

    refused("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [True, draft.pk])


def test_transaction_cannot_be_inserted_already_posted():
    refused(
        "INSERT INTO aid_accounting_transaction "
        "(kind, idempotency_key, source, memo, created_at, posted) "
        "VALUES ('accrual', 'forged', '', '', %s, %s)",
        ["2026-01-01T00:00:00+00:00", True],
    )
    assert not Transaction.objects.filter(idempotency_key="forged").exists()


def test_entry_cannot_be_added_to_a_posted_transaction(sale, pool):
    refused(
        "INSERT INTO aid_accounting_entry (transaction_id, account_id, amount_fen) "
        "VALUES (%s, %s, %s)",
        [sale.pk, pool.pk, -1],
    )
    assert sale.entries.count() == 3


def test_entry_of_a_posted_transaction_cannot_be_updated(sale, pool):
    entry = sale.entries.get(account=pool)

    refused("UPDATE aid_accounting_entry SET amount_fen = %s WHERE id = %s", [-1_000, entry.pk])

    assert Entry.objects.get(pk=entry.pk).amount_fen == -995


def test_entry_of_a_posted_transaction_cannot_be_moved_to_another_account(sale, pool, clearing):
    entry = sale.entries.get(account=pool)

    refused(
        "UPDATE aid_accounting_entry SET account_id = %s WHERE id = %s", [clearing.pk, entry.pk]
    )


def test_draft_entry_cannot_be_moved_into_a_posted_transaction(sale, make_draft, clearing, pool):
    draft = make_draft((clearing, 1), (pool, -1))
    entry = draft.entries.first()

    refused(
        "UPDATE aid_accounting_entry SET transaction_id = %s WHERE id = %s", [sale.pk, entry.pk]
    )


def test_entry_of_a_posted_transaction_cannot_be_deleted(sale, pool):
    entry = sale.entries.get(account=pool)

    refused("DELETE FROM aid_accounting_entry WHERE id = %s", [entry.pk])

    assert Entry.objects.filter(pk=entry.pk).exists()


def test_posted_transaction_cannot_be_updated(sale):
    refused("UPDATE aid_accounting_transaction SET memo = %s WHERE id = %s", ["edited", sale.pk])

    assert Transaction.objects.get(pk=sale.pk).memo == ""


def test_posted_transaction_cannot_be_unposted(sale):
    refused("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [False, sale.pk])


def test_posted_transaction_cannot_be_deleted(sale):
    refused("DELETE FROM aid_accounting_transaction WHERE id = %s", [sale.pk])

    assert Transaction.objects.filter(pk=sale.pk).exists()


def test_entries_of_a_draft_can_still_be_corrected(make_draft, clearing, pool):
    draft = make_draft((clearing, 500), (pool, -499))
    entry = draft.entries.get(account=pool)

    execute("UPDATE aid_accounting_entry SET amount_fen = %s WHERE id = %s", [-500, entry.pk])
    execute("UPDATE aid_accounting_transaction SET posted = %s WHERE id = %s", [True, draft.pk])

    assert Transaction.objects.get(pk=draft.pk).posted


def test_entry_of_zero_fen_is_refused(make_draft, clearing):
    draft = make_draft()

    with pytest.raises(IntegrityError), transaction.atomic():
        execute(
            "INSERT INTO aid_accounting_entry (transaction_id, account_id, amount_fen) "
            "VALUES (%s, %s, 0)",
            [draft.pk, clearing.pk],
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_refuses_to_commit_a_draft(clearing, pool):
    with pytest.raises(IntegrityError, match="still a draft at commit"), transaction.atomic():
        draft = Transaction.objects.create(kind=Transaction.Kind.ACCRUAL, idempotency_key="left")
        Entry.objects.create(transaction=draft, account=clearing, amount_fen=500)
        Entry.objects.create(transaction=draft, account=pool, amount_fen=-500)

    assert not Transaction.objects.filter(idempotency_key="left").exists()
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flush_empties_a_posted_ledger_and_keeps_the_triggers(sale):
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)

    assert not Transaction.objects.exists()
    assert expected_triggers() <= installed_triggers()


def test_a_database_without_ledger_triggers_is_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="SQLite or PostgreSQL"):
        triggers.install(SimpleNamespace(vendor="mysql"))
