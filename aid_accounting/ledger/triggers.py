"""Database triggers that keep the ledger's rules (see aid_accounting/models.py).

The same four rules on both supported databases, so that a bug or a hand-typed
SQL statement cannot leave an unbalanced or edited posting behind:

1. entries can be added to a transaction only while it is a draft;
2. a transaction cannot be inserted already posted, and is marked posted only
   if it has at least two entries summing to zero;
3. a posted transaction cannot be updated or deleted;
4. an entry of a posted transaction cannot be updated or deleted (nor moved
   into a posted transaction).

SQLite: BEFORE triggers that RAISE(ABORT, ...). PostgreSQL: plpgsql BEFORE
triggers that raise SQLSTATE 23000, plus a deferred constraint trigger that
refuses to commit a transaction left as a draft. Both surface in Django as
IntegrityError.

Installed by migration 0002. On SQLite, a later migration that rebuilds the
transaction or entry table (most AlterField operations do) drops its
triggers, and must call ``install`` again; tests/aid_accounting checks that
they exist.
"""

from core.db_guards import GuardTriggers

SQLITE_INSTALL = [
    """
    CREATE TRIGGER aid_ledger_transaction_insert_guard
    BEFORE INSERT ON aid_accounting_transaction
    WHEN NEW.posted
    BEGIN
        SELECT RAISE(ABORT, 'ledger: insert a transaction as a draft, then post it');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_transaction_post_guard
    BEFORE UPDATE ON aid_accounting_transaction
    WHEN NEW.posted AND NOT OLD.posted AND (
        (SELECT count(*) FROM aid_accounting_entry WHERE transaction_id = OLD.id) < 2
        OR (SELECT coalesce(sum(amount_fen), 0) FROM aid_accounting_entry
            WHERE transaction_id = OLD.id) <> 0
    )
    BEGIN
        SELECT RAISE(ABORT, 'ledger: posting needs two or more entries that sum to zero');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_transaction_update_guard
    BEFORE UPDATE ON aid_accounting_transaction
    WHEN OLD.posted
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a posted transaction cannot be changed');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_transaction_delete_guard
    BEFORE DELETE ON aid_accounting_transaction
    WHEN OLD.posted
    BEGIN
        SELECT RAISE(ABORT, 'ledger: a posted transaction cannot be deleted');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_entry_insert_guard
    BEFORE INSERT ON aid_accounting_entry
    WHEN (SELECT posted FROM aid_accounting_transaction WHERE id = NEW.transaction_id)
    BEGIN
        SELECT RAISE(ABORT, 'ledger: entries cannot be added to a posted transaction');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_entry_update_guard
    BEFORE UPDATE ON aid_accounting_entry
    WHEN (SELECT posted FROM aid_accounting_transaction WHERE id = OLD.transaction_id)
        OR (SELECT posted FROM aid_accounting_transaction WHERE id = NEW.transaction_id)
    BEGIN
        SELECT RAISE(ABORT, 'ledger: an entry of a posted transaction cannot be changed');
    END
    """,
    """
    CREATE TRIGGER aid_ledger_entry_delete_guard
    BEFORE DELETE ON aid_accounting_entry
    WHEN (SELECT posted FROM aid_accounting_transaction WHERE id = OLD.transaction_id)
    BEGIN
        SELECT RAISE(ABORT, 'ledger: an entry of a posted transaction cannot be deleted');
    END
    """,
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "aid_ledger_transaction_insert_guard",
        "aid_ledger_transaction_post_guard",
        "aid_ledger_transaction_update_guard",
        "aid_ledger_transaction_delete_guard",
        "aid_ledger_entry_insert_guard",
        "aid_ledger_entry_update_guard",
        "aid_ledger_entry_delete_guard",
    )
]

POSTGRES_INSTALL = [
    """
    CREATE FUNCTION aid_ledger_guard_transaction() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        entry_count bigint;
        entry_sum numeric;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.posted THEN
                RAISE EXCEPTION 'ledger: insert a transaction as a draft, then post it (%)',
                    NEW.idempotency_key USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END IF;
        IF OLD.posted THEN
            RAISE EXCEPTION 'ledger: posted transaction % cannot be changed or deleted (%)',
                OLD.id, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        IF NEW.posted THEN
            SELECT count(*), coalesce(sum(amount_fen), 0) INTO entry_count, entry_sum
            FROM aid_accounting_entry WHERE transaction_id = OLD.id;
            IF entry_count < 2 OR entry_sum <> 0 THEN
                RAISE EXCEPTION 'ledger: cannot post transaction %: % entries summing to % fen',
                    OLD.id, entry_count, entry_sum
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER aid_ledger_guard_transaction
    BEFORE INSERT OR UPDATE OR DELETE ON aid_accounting_transaction
    FOR EACH ROW EXECUTE FUNCTION aid_ledger_guard_transaction()
    """,
    # FOR SHARE makes an entry write wait for a concurrent posting of the same
    # transaction (which holds the row lock), then see it posted.
    """
    CREATE FUNCTION aid_ledger_guard_entry() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        is_posted boolean;
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT posted INTO is_posted FROM aid_accounting_transaction
            WHERE id = OLD.transaction_id FOR SHARE;
            IF is_posted THEN
                RAISE EXCEPTION 'ledger: entry % of posted transaction % is frozen (%)',
                    OLD.id, OLD.transaction_id, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT posted INTO is_posted FROM aid_accounting_transaction
            WHERE id = NEW.transaction_id FOR SHARE;
            IF is_posted THEN
                RAISE EXCEPTION 'ledger: entries cannot be added to posted transaction %',
                    NEW.transaction_id USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER aid_ledger_guard_entry
    BEFORE INSERT OR UPDATE OR DELETE ON aid_accounting_entry
    FOR EACH ROW EXECUTE FUNCTION aid_ledger_guard_entry()
    """,
    # Checked at COMMIT: a transaction never outlives its database transaction
    # as a draft, so everything committed to the ledger balances.
    """
    CREATE FUNCTION aid_ledger_posted_at_commit() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM aid_accounting_transaction WHERE id = NEW.id AND NOT posted) THEN
            RAISE EXCEPTION 'ledger: transaction % (%) is still a draft at commit',
                NEW.id, NEW.idempotency_key USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    """
    CREATE CONSTRAINT TRIGGER aid_ledger_posted_at_commit
    AFTER INSERT ON aid_accounting_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION aid_ledger_posted_at_commit()
    """,
]

POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS aid_ledger_posted_at_commit ON aid_accounting_transaction",
    "DROP TRIGGER IF EXISTS aid_ledger_guard_entry ON aid_accounting_entry",
    "DROP TRIGGER IF EXISTS aid_ledger_guard_transaction ON aid_accounting_transaction",
    "DROP FUNCTION IF EXISTS aid_ledger_posted_at_commit()",
    "DROP FUNCTION IF EXISTS aid_ledger_guard_entry()",
    "DROP FUNCTION IF EXISTS aid_ledger_guard_transaction()",
]

GUARDS = GuardTriggers(
    needed_by="The aid ledger's balance and immutability rules",
    install_statements={"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL},
    uninstall_statements={"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL},
)

install = GUARDS.install

uninstall = GUARDS.uninstall
