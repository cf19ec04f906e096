"""Backup and restore as docs/operations.md tells it: pg_dump of a database holding a
closed period and paid payouts, pg_restore into a new database, and aid_reconcile run
against the copy. The ledger's guards come back with it (triggers are restored after
the rows, so the posted rows load and stay frozen)."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from aid_accounting.payouts.models import PayoutRow
from aid_accounting.periods.models import AccountingPeriod
from tests.faults.conftest import database_url

pytestmark = [
    pytest.mark.postgres,
    # pg_dump reads from its own connection: the rows must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run(*command: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


def test_a_dump_restored_into_a_new_database_reconciles_and_keeps_its_guards(
    township, postgres_admin, tmp_path, capsys
):
    assert AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED).exists()
    assert PayoutRow.objects.filter(status=PayoutRow.Status.PAID).exists()
    call_command("aid_reconcile")
    original = capsys.readouterr().out
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restored"
    dump = tmp_path / "shop.dump"

    dumped = run("pg_dump", "--format=custom", f"--file={dump}", f"--dbname={database_url(source)}")
    assert dumped.returncode == 0, dumped.stderr
    postgres_admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
    postgres_admin.execute(
        f'CREATE DATABASE "{copy}" ENCODING UTF8 TEMPLATE template0 LOCALE "C.UTF-8"'
    )
    try:
        restored = run(
            "pg_restore",
            "--exit-on-error",
            "--no-owner",
            f"--dbname={database_url(copy)}",
            str(dump),
        )
        assert restored.returncode == 0, restored.stderr

        checked = run(
            sys.executable,
            "manage.py",
            "aid_reconcile",
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": database_url(copy)},
        )

        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "checks passed" in checked.stdout
        # The same figures as the database it was dumped from.
        assert checked.stdout.splitlines()[-2] == original.splitlines()[-2]
        with (
            psycopg.connect(database_url(copy)) as restored_db,
            pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="frozen"),
        ):
            restored_db.execute("UPDATE aid_accounting_entry SET amount_fen = amount_fen + 1")
    finally:
        postgres_admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
