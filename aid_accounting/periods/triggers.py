"""Database triggers that freeze period seals (see periods.models.PeriodSeal).

A seal is inserted once, at the end of its close, and never changed or
deleted; these triggers refuse an update or a delete, even in raw SQL.
Installed by the ``ledger_chain`` migration; on SQLite a later migration that
rebuilds the seal table drops them and must call ``install`` again.
"""

from core.db_guards import GuardTriggers

SQLITE_INSTALL = [
    """
    CREATE TRIGGER aid_period_seal_update_guard
    BEFORE UPDATE ON aid_accounting_periodseal
    BEGIN
        SELECT RAISE(ABORT, 'seal: a period seal cannot be changed');
    END
    """,
    """
    CREATE TRIGGER aid_period_seal_delete_guard
    BEFORE DELETE ON aid_accounting_periodseal
    BEGIN
        SELECT RAISE(ABORT, 'seal: a period seal cannot be deleted');
    END
    """,
]

SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS aid_period_seal_update_guard",
    "DROP TRIGGER IF EXISTS aid_period_seal_delete_guard",
]

POSTGRES_INSTALL = [
    """
    CREATE FUNCTION aid_period_seal_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'seal: period seal % cannot be changed or deleted (%)', OLD.id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER aid_period_seal_guard
    BEFORE UPDATE OR DELETE ON aid_accounting_periodseal
    FOR EACH ROW EXECUTE FUNCTION aid_period_seal_guard()
    """,
]

POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS aid_period_seal_guard ON aid_accounting_periodseal",
    "DROP FUNCTION IF EXISTS aid_period_seal_guard()",
]

GUARDS = GuardTriggers(
    needed_by="The aid ledger's period seals",
    install_statements={"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL},
    uninstall_statements={"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL},
)

install = GUARDS.install

uninstall = GUARDS.uninstall
