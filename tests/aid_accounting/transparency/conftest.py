import pytest

from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.township import at, deliver, refund, sell


@pytest.fixture
def october(tomato, tomato_rule, beneficiaries, staff):
    """Two tomato orders in October, one partly refunded, closed in November."""
    first = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    second = sell([(tomato, 3)], paid_at=at("2026-10-10"))
    refund(second, staff=staff, line=second.lines.get(), quantity=1)
    for order in (first, second):
        deliver(order, at=at("2026-10-12"))
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
