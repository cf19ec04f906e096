"""docs/verify_chain.py, the outsider's check, agrees with the code: it recomputes
the ledger chain, the seals and the notices' chain from ``aid_export_ledger
--format chain`` alone, with the standard library only."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from aid_accounting.ledger import triggers as ledger_triggers
from aid_accounting.ledger.chain import verify_chain
from aid_accounting.ledger.models import Transaction
from aid_accounting.notices.publication import generate_notices, publish_notice, review_notice
from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db

SCRIPT = settings.BASE_DIR / "docs" / "verify_chain.py"


@pytest.fixture
def small_ledger(tomato, bag, tomato_rule, beneficiaries, aid_officer):
    """Two closed months of sales (one with shipping) and a published notice."""
    deliver(sell([(tomato, 2), (bag, 1)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    october = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02")).period
    deliver(sell([(tomato, 1)], paid_at=at("2026-11-10")), at=at("2026-11-12"))
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))
    for notice in generate_notices(actor=SYSTEM, period=october):
        publish_notice(notice=review_notice(notice=notice, actor=aid_officer), actor=aid_officer)
    return october


def run_script(tmp_path, *args: str) -> subprocess.CompletedProcess:
    export = tmp_path / "chain.jsonl"
    call_command("aid_export_ledger", "--format", "chain", "--output", str(export))
    # -I -S: no site-packages, no project on the path: the standard library only.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(export), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_script_recomputes_what_the_code_wrote(small_ledger, tmp_path):
    result = run_script(tmp_path)

    transactions = Transaction.objects.count()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == (
        f"OK: {transactions} transactions, 2 seals and 1 notices recomputed."
    )


def test_the_script_checks_the_export_against_published_seals(small_ledger, tmp_path, client):
    open_data = tmp_path / "open-data.json"
    open_data.write_text(client.get("/open-data/").content.decode(), encoding="utf-8")

    assert run_script(tmp_path, "--open-data", str(open_data)).returncode == 0
    wrong = run_script(tmp_path, "--seal", f"2026-10={'a' * 64}")
    assert wrong.returncode == 1
    assert f"seal of 2026-10: published {'a' * 64}" in wrong.stdout


def test_the_script_names_the_transaction_the_code_names(small_ledger, tmp_path):
    edited = Transaction.objects.filter(kind=Transaction.Kind.ACCRUAL).order_by("sequence")[1]
    ledger_triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aid_accounting_transaction SET memo = %s WHERE id = %s", ["改", edited.pk]
        )
    ledger_triggers.install(connection)

    result = run_script(tmp_path)

    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first == f"transaction {edited.sequence}: content does not match its hash"
    assert verify_chain()[0].sequence == edited.sequence
    # The seals after it still match the hashes they recorded: the edit shows
    # in the chain, not as a rewritten seal.
    assert not [line for line in result.stdout.splitlines() if line.startswith("seal of")]


def test_the_export_is_one_json_object_per_line(small_ledger, tmp_path):
    export = tmp_path / "chain.jsonl"
    call_command("aid_export_ledger", "--format", "chain", "--output", str(export))

    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]

    assert [r["type"] for r in records] == ["transaction"] * Transaction.objects.count() + [
        "seal",
        "seal",
        "notice",
    ]
    assert set(records[0]["content"]) == {
        "sequence",
        "previous_hash",
        "kind",
        "idempotency_key",
        "source",
        "memo",
        "created_at",
        "entries",
    }
