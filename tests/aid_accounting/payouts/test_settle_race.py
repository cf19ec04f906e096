"""Officers settling a batch's last rows at the same moment (PostgreSQL): the
batch is completed once every row is settled, whichever commits last. Rows
marked failed race freely (paid rows take turns on the bank account's lock)."""

import pytest
from django.db import connection

from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_failed,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from tests.shop.orders.racing import race
from tests.township import add_households, at, close_and_publish, deliver, sell

RACERS = 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_rows_failed_at_once_complete_their_batch(
    tomato, tomato_rule, key_village, aid_officer, second_officer
):
    assert connection.vendor == "postgresql"
    add_households(key_village, prefix="LGZ-R", members=[1] * RACERS)
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    rows = list(batch.rows.order_by("pk"))

    race(
        len(rows), lambda index: mark_row_failed(row=rows[index], actor=aid_officer, reason="退票")
    )

    batch.refresh_from_db()
    assert set(batch.rows.values_list("status", flat=True)) == {PayoutRow.Status.FAILED}
    assert batch.status == PayoutBatch.Status.COMPLETED
