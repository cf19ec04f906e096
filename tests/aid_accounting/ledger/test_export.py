"""The beancount export, checked by beancount's own bean-check."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db

BEAN_CHECK = Path(sys.executable).with_name("bean-check")


@pytest.fixture
def export(tmp_path, tomato, bag, tomato_rule, beneficiaries, staff) -> Path:
    order = sell([(tomato, 3), (bag, 2)], paid_at=at("2026-10-05"))
    deliver(order, at=at("2026-10-06"))
    refund(order, staff=staff, line=order.lines.get(variant=tomato), quantity=1)
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
    refund(order, staff=staff)
    path = tmp_path / "ledger.beancount"
    call_command("aid_export_ledger", "--format", "beancount", "--output", str(path))
    return path


def bean_check(path: Path) -> subprocess.CompletedProcess:
    assert BEAN_CHECK.exists(), "bean-check missing: pip install -e '.[dev]' installs beancount"
    return subprocess.run([BEAN_CHECK, path], capture_output=True, text=True, timeout=120)


def test_bean_check_accepts_the_export(export):
    result = bean_check(export)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_export_has_every_transaction_and_closing_balances(export):
    text = export.read_text()

    assert text.count(' * "计提"') == 3  # two lines and the shipping
    assert text.count(' * "分配"') == 1
    assert " balance Liabilities:AidPools:Pool" in text


def test_bean_check_catches_a_tampered_amount(export):
    text = export.read_text()
    export.write_text(text.replace("  119.40 CNY", "  119.41 CNY", 1))

    result = bean_check(export)

    assert result.returncode != 0
