"""The ledger's daily totals (``DailyTotal``), kept by the database itself.

When a statement marks transactions posted, a trigger adds their entries,
summed per account, local day, kind and order-line dimensions, to the day's
rows (an UPSERT, so a posting on a day that already has a row increments
it). It runs inside the statement that posts, so in the same database
transaction: no code path can post without its totals, and a posting rolled
back takes its totals with it. The ledger's own triggers keep posted entries
from changing, so the totals cannot go stale.

The totals' rows are guarded like the ledger:

- PostgreSQL: a row trigger refuses any insert, update or delete not made by
  the posting trigger (``pg_trigger_depth()`` is 1 for a client's statement,
  2 for the posting trigger's UPSERT);
- SQLite (development) cannot tell who writes: its guards refuse any delete
  and any update that changes a row's key or does not add entries, and
  ``verify_totals`` (``manage.py aid_verify_ledger``) finds any other edit.

The local day is ``TIME_ZONE``'s, named in the triggers when they are
installed (on SQLite through the function Django registers on its
connections for ``TruncDate``: a posting from a bare sqlite3 shell is refused).
Changing ``TIME_ZONE`` needs the triggers reinstalled and the totals filled
again; until then ``verify_totals``, which reads the setting, names the days.
``fill`` computes the totals of a ledger posted before the triggers existed
(migration 0019). The flush command drops and reinstalls the SQLite guards
as it does the ledger's; ``migrate`` too (see ``off_while_migrating``).
"""

import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from aid_accounting.ledger.models import Account, DailyTotal, Entry
from core.db_guards import GuardTriggers

TABLE = DailyTotal._meta.db_table

KEY = ("account_id", "day", "kind", "producer_id", "category_id", "channel")

_COLUMNS = ", ".join((*KEY, "amount_fen", "entry_count"))


def _select(*, day: str, transactions: str, where: str) -> str:
    """The entries of ``transactions`` (aliased ``posted``) summed per key."""
    return f"""
        SELECT entry.account_id, {day}, posted.kind,
               coalesce(line.producer_id, 0), coalesce(line.category_id, 0),
               coalesce(purchase.channel, ''), sum(entry.amount_fen), count(*)
        FROM {transactions}
        JOIN aid_accounting_entry AS entry ON entry.transaction_id = posted.id
        LEFT JOIN shop_orderline AS line ON line.id = entry.order_line_id
        LEFT JOIN shop_order AS purchase ON purchase.id = line.order_id
        WHERE {where}
        GROUP BY 1, 2, 3, 4, 5, 6
    """


def _postgres_day(column: str) -> str:
    return f"({column} AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _sqlite_day(column: str) -> str:
    # The function Django registers on its SQLite connections for TruncDate
    # (stored datetimes are UTC): the same local day as the verification's.
    return f"django_datetime_cast_date({column}, '{settings.TIME_ZONE}', 'UTC')"


def _upsert(existing: str) -> str:
    """Adds to the day's row when it exists (``existing``: how the row is named,
    the table's alias on PostgreSQL, bare column names in an SQLite trigger)."""
    return f"""
        ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET
            amount_fen = {existing}amount_fen + excluded.amount_fen,
            entry_count = {existing}entry_count + excluded.entry_count
    """


def _postgres_install() -> list[str]:
    return [
        # One run per posting statement, over every transaction it posted
        # (the transition tables), so a batch of postings is one UPSERT.
        f"""
        CREATE FUNCTION aid_ledger_add_daily_totals() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO aid_accounting_dailytotal AS total ({_COLUMNS})
            {
            _select(
                day=_postgres_day("posted.created_at"),
                transactions="newly AS posted JOIN previously AS was ON was.id = posted.id",
                where="posted.posted AND NOT was.posted",
            )
        }
            {_upsert("total.")};
            RETURN NULL;
        END;
        $$
        """,
        """
        CREATE TRIGGER aid_ledger_add_daily_totals
        AFTER UPDATE ON aid_accounting_transaction
        REFERENCING OLD TABLE AS previously NEW TABLE AS newly
        FOR EACH STATEMENT EXECUTE FUNCTION aid_ledger_add_daily_totals()
        """,
        """
        CREATE FUNCTION aid_ledger_guard_daily_total() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR pg_trigger_depth() < 2 THEN
                RAISE EXCEPTION 'ledger: daily totals are written only by posting (%)', TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END;
        $$
        """,
        """
        CREATE TRIGGER aid_ledger_guard_daily_total
        BEFORE INSERT OR UPDATE OR DELETE ON aid_accounting_dailytotal
        FOR EACH ROW EXECUTE FUNCTION aid_ledger_guard_daily_total()
        """,
    ]


POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS aid_ledger_add_daily_totals ON aid_accounting_transaction",
    "DROP TRIGGER IF EXISTS aid_ledger_guard_daily_total ON aid_accounting_dailytotal",
    "DROP FUNCTION IF EXISTS aid_ledger_add_daily_totals()",
    "DROP FUNCTION IF EXISTS aid_ledger_guard_daily_total()",
]


def _sqlite_install() -> list[str]:
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS aid_ledger_add_daily_totals
        AFTER UPDATE OF posted ON aid_accounting_transaction
        WHEN NEW.posted AND NOT OLD.posted
        BEGIN
            INSERT INTO aid_accounting_dailytotal ({_COLUMNS})
            {
            _select(
                day=_sqlite_day("posted.created_at"),
                transactions="aid_accounting_transaction AS posted",
                where="posted.id = NEW.id",
            )
        }
            {_upsert("")};
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS aid_ledger_daily_total_delete_guard
        BEFORE DELETE ON aid_accounting_dailytotal
        BEGIN
            SELECT RAISE(ABORT, 'ledger: daily totals cannot be deleted');
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS aid_ledger_daily_total_update_guard
        BEFORE UPDATE ON aid_accounting_dailytotal
        WHEN NEW.account_id IS NOT OLD.account_id OR NEW.day IS NOT OLD.day
            OR NEW.kind IS NOT OLD.kind OR NEW.producer_id IS NOT OLD.producer_id
            OR NEW.category_id IS NOT OLD.category_id OR NEW.channel IS NOT OLD.channel
            OR NEW.entry_count <= OLD.entry_count
        BEGIN
            SELECT RAISE(ABORT, 'ledger: daily totals only grow, as entries are posted');
        END
        """,
    ]


SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "aid_ledger_add_daily_totals",
        "aid_ledger_daily_total_delete_guard",
        "aid_ledger_daily_total_update_guard",
    )
]


GUARDS = GuardTriggers(
    needed_by="The aid ledger's daily totals",
    install_statements={"sqlite": _sqlite_install(), "postgresql": _postgres_install()},
    uninstall_statements={"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL},
)

install = GUARDS.install

uninstall = GUARDS.uninstall


def _migrated_sqlite(using: str) -> BaseDatabaseWrapper | None:
    connection = connections[using]
    if connection.vendor == "sqlite" and TABLE in connection.introspection.table_names():
        return connection
    return None


def off_while_migrating(*, using: str, **_signal) -> None:
    """SQLite checks every trigger when a migration rebuilds a table (as most
    of its AlterFields do), and the posting trigger names the shop's order
    tables: a shop migration rebuilding one of them would fail. So on SQLite
    the triggers are off while ``migrate`` runs (``pre_migrate``), and put
    back when it ends (``on_after_migrating``); nothing posts meanwhile."""
    connection = _migrated_sqlite(using)
    if connection is not None:
        uninstall(connection)


def on_after_migrating(*, using: str, **_signal) -> None:
    connection = _migrated_sqlite(using)
    if connection is not None:
        install(connection)


def fill(connection: BaseDatabaseWrapper) -> None:
    """The totals of every transaction posted so far, into the empty table (run
    before the triggers are installed: its guards would refuse the rows)."""
    day = _postgres_day if connection.vendor == "postgresql" else _sqlite_day
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Postings lock the chain head first: none can commit between the
            # fill and the triggers (SQLite has one writer at a time anyway).
            cursor.execute("SELECT 1 FROM aid_accounting_chainhead FOR UPDATE")
        cursor.execute(
            f"INSERT INTO aid_accounting_dailytotal ({_COLUMNS})"
            + _select(
                day=day("posted.created_at"),
                transactions="aid_accounting_transaction AS posted",
                where="posted.posted",
            )
        )


@dataclass(frozen=True)
class TotalMismatch:
    """A daily total that is not the sum of its entries (or one missing)."""

    account_code: str
    key: tuple
    stored: tuple[int, int]
    summed: tuple[int, int]

    def __str__(self) -> str:
        _account, day, kind, producer_id, category_id, channel = self.key
        line = (
            f", order lines of producer {producer_id}, category {category_id}, channel {channel}"
            if producer_id
            else ""
        )
        return (
            f"daily total of account {self.account_code} on {day} ({kind}{line}): "
            f"{self.stored[0]} fen over {self.stored[1]} entries stored, "
            f"but its posted entries sum to {self.summed[0]} fen over {self.summed[1]}"
        )


def verify_totals() -> list[TotalMismatch]:
    """Every daily total that differs from its posted entries summed again,
    by account and day; empty if they all agree. One pass over the entries."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    summed = {
        tuple(row[:6]): tuple(row[6:])
        for row in Entry.objects.filter(transaction__posted=True)
        .values_list(
            "account_id",
            TruncDate("transaction__created_at", tzinfo=zone),
            "transaction__kind",
            Coalesce("order_line__producer_id", Value(0)),
            Coalesce("order_line__category_id", Value(0)),
            Coalesce("order_line__order__channel", Value("")),
        )
        .annotate(fen=Sum("amount_fen"), count=Count("pk"))
        .order_by()
        .iterator()
    }
    stored = {
        tuple(row[:6]): tuple(row[6:])
        for row in DailyTotal.objects.values_list(*KEY, "amount_fen", "entry_count").iterator()
    }
    keys = sorted(
        (key for key in summed.keys() | stored.keys() if summed.get(key) != stored.get(key)),
        key=lambda key: (key[1], key[0], *map(str, key[2:])),
    )
    codes = Account.objects.in_bulk({key[0] for key in keys})
    return [
        TotalMismatch(
            account_code=codes[key[0]].code if key[0] in codes else f"#{key[0]}",
            key=key,
            stored=stored.get(key, (0, 0)),
            summed=summed.get(key, (0, 0)),
        )
        for key in keys
    ]
