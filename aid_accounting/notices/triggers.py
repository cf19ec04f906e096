"""Database triggers that freeze published notices (see notices.models).

``Notice.save`` refuses too, but a queryset ``update`` or a hand-typed SQL
statement bypasses it; these triggers do not:

1. a published notice can be neither updated nor deleted;
2. rows of a published notice can be neither added, updated nor deleted.

Publishing itself is an update of a notice that is not yet published, so it
passes. Installed by migration 0008; on SQLite a later migration that rebuilds
the notice or row table drops them and must call ``install`` again.
"""

from core.db_guards import GuardTriggers

SQLITE_INSTALL = [
    """
    CREATE TRIGGER aid_notice_update_guard
    BEFORE UPDATE ON aid_accounting_notice
    WHEN OLD.status = 'published'
    BEGIN
        SELECT RAISE(ABORT, 'notice: a published notice cannot be changed');
    END
    """,
    """
    CREATE TRIGGER aid_notice_delete_guard
    BEFORE DELETE ON aid_accounting_notice
    WHEN OLD.status = 'published'
    BEGIN
        SELECT RAISE(ABORT, 'notice: a published notice cannot be deleted');
    END
    """,
    """
    CREATE TRIGGER aid_notice_row_insert_guard
    BEFORE INSERT ON aid_accounting_noticerow
    WHEN (SELECT status FROM aid_accounting_notice WHERE id = NEW.notice_id) = 'published'
    BEGIN
        SELECT RAISE(ABORT, 'notice: rows cannot be added to a published notice');
    END
    """,
    """
    CREATE TRIGGER aid_notice_row_update_guard
    BEFORE UPDATE ON aid_accounting_noticerow
    WHEN (SELECT status FROM aid_accounting_notice WHERE id = OLD.notice_id) = 'published'
        OR (SELECT status FROM aid_accounting_notice WHERE id = NEW.notice_id) = 'published'
    BEGIN
        SELECT RAISE(ABORT, 'notice: a row of a published notice cannot be changed');
    END
    """,
    """
    CREATE TRIGGER aid_notice_row_delete_guard
    BEFORE DELETE ON aid_accounting_noticerow
    WHEN (SELECT status FROM aid_accounting_notice WHERE id = OLD.notice_id) = 'published'
    BEGIN
        SELECT RAISE(ABORT, 'notice: a row of a published notice cannot be deleted');
    END
    """,
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "aid_notice_update_guard",
        "aid_notice_delete_guard",
        "aid_notice_row_insert_guard",
        "aid_notice_row_update_guard",
        "aid_notice_row_delete_guard",
    )
]

POSTGRES_INSTALL = [
    """
    CREATE FUNCTION aid_notice_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'notice: published notice % is frozen (%)', OLD.id, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER aid_notice_guard
    BEFORE UPDATE OR DELETE ON aid_accounting_notice
    FOR EACH ROW EXECUTE FUNCTION aid_notice_guard()
    """,
    """
    CREATE FUNCTION aid_notice_row_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM aid_accounting_notice WHERE id = OLD.notice_id AND status = 'published'
        ) THEN
            RAISE EXCEPTION 'notice: row % of published notice % is frozen (%)',
                OLD.id, OLD.notice_id, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
            SELECT 1 FROM aid_accounting_notice WHERE id = NEW.notice_id AND status = 'published'
        ) THEN
            RAISE EXCEPTION 'notice: rows cannot be added to published notice %',
                NEW.notice_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER aid_notice_row_guard
    BEFORE INSERT OR UPDATE OR DELETE ON aid_accounting_noticerow
    FOR EACH ROW EXECUTE FUNCTION aid_notice_row_guard()
    """,
]

POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS aid_notice_row_guard ON aid_accounting_noticerow",
    "DROP TRIGGER IF EXISTS aid_notice_guard ON aid_accounting_notice",
    "DROP FUNCTION IF EXISTS aid_notice_row_guard()",
    "DROP FUNCTION IF EXISTS aid_notice_guard()",
]

GUARDS = GuardTriggers(
    needed_by="Published public notices",
    install_statements={"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL},
    uninstall_statements={"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL},
)

install = GUARDS.install

uninstall = GUARDS.uninstall
