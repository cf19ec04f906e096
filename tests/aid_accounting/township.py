"""A small township's trading for the dashboard and report tests: sales
online and offline, a refund, a close and a household payout."""

import datetime

import pytest
from django.utils import timezone

from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.close import close_period
from tests.aid_accounting.sales import deliver, refund, sell


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T10:00"))


class Clock:
    """Refunds and payouts are booked at ``timezone.now()``; this sets it."""

    def __init__(self) -> None:
        self.now = at("2026-10-01")

    def set(self, day: str) -> datetime.datetime:
        self.now = at(day)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def trade(*, clock: Clock, tomato, bag, staff, aid_officer, second_officer) -> None:
    """October: an online order (2 tomato boxes with 25% aid, 3 bags with
    none), one box refunded, an offline order of 1 box; closed on 2 November
    and the households paid on 3 November. November: 3 more boxes online."""
    online = sell([(tomato, 2), (bag, 3)], paid_at=clock.set("2026-10-10"))
    offline = sell([(tomato, 1)], paid_at=clock.set("2026-10-11"), offline=True)
    clock.set("2026-10-12")
    refund(online, staff=staff, line=online.lines.get(variant=tomato), quantity=1)
    for order in (online, offline):
        deliver(order, at=at("2026-10-12"))
    close_period(period="2026-10", now=clock.set("2026-11-02"))
    clock.set("2026-11-03")
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    for row in batch.rows.all():
        mark_row_paid(row=row, actor=aid_officer)
    sell([(tomato, 3)], paid_at=clock.set("2026-11-05"))
    clock.set("2026-12-01")


@pytest.fixture
def township(clock, tomato, bag, tomato_rule, beneficiaries, staff, aid_officer, second_officer):
    trade(
        clock=clock,
        tomato=tomato,
        bag=bag,
        staff=staff,
        aid_officer=aid_officer,
        second_officer=second_officer,
    )
