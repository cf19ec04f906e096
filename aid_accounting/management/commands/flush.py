"""Django's ``flush``, made to work on SQLite once the ledger has posted transactions.

PostgreSQL empties tables with TRUNCATE, which row triggers do not see. SQLite
deletes row by row, and the ledger's guards refuse to delete posted entries and
daily totals (as the notices' guards refuse published notices), so ``flush`` (and
the teardown of every ``transaction=True`` test) would fail. Emptying the whole database is not
editing the ledger: on SQLite the guards are dropped for the flush and put back,
all in one database transaction, so a failed or cancelled flush leaves them in place.

Why an override of ``flush`` rather than a command of our own: Django itself calls
the command by that name (``TransactionTestCase`` empties the test database with
``call_command("flush")`` after each transactional test, and so does
``pytest-django``), so only a command named ``flush`` is used there. It is the one
project-wide override of a Django command; it changes nothing on PostgreSQL.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from aid_accounting.ledger import daily_totals
from aid_accounting.ledger import triggers as ledger_triggers
from aid_accounting.notices import triggers as notice_triggers
from aid_accounting.periods import triggers as seal_triggers

GUARDS = (ledger_triggers, daily_totals, seal_triggers, notice_triggers)


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            for guard in GUARDS:
                guard.uninstall(connection)
            super().handle(**options)
            for guard in GUARDS:
                guard.install(connection)
