"""Installing and removing a set of guard triggers, per database vendor.

The ledger (``ledger.triggers``) and the public notices (``notices.triggers``)
each keep their rules in triggers written twice, for SQLite and PostgreSQL.
This is what they share: picking the statements for the connection, refusing
any other database loudly, and running them.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class GuardTriggers:
    # Says what depends on the triggers, for the message naming an unsupported database.
    needed_by: str
    install_statements: dict[str, list[str]]
    uninstall_statements: dict[str, list[str]]

    def install(self, connection: BaseDatabaseWrapper) -> None:
        self._run(connection, self.install_statements)

    def uninstall(self, connection: BaseDatabaseWrapper) -> None:
        self._run(connection, self.uninstall_statements)

    def _run(self, connection: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> None:
        if connection.vendor not in statements:
            # The data's integrity depends on these triggers: never run without them.
            raise ImproperlyConfigured(
                f"{self.needed_by} need SQLite or PostgreSQL (their guard triggers); "
                f"DATABASE_URL names {connection.vendor!r}."
            )
        with connection.cursor() as cursor:
            for sql in statements[connection.vendor]:
                # No parameters: the plpgsql bodies have % placeholders of their own.
                cursor.execute(sql)
