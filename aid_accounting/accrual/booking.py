"""When the aid ledger books a sale or a refund: never in a closed month.

A payment keeps its real time (the order's ``paid_at``, ``LineAccrual.accrued_at``)
and a refund its own (``AidReversal.created_at``). Each is booked
(``booked_at``, and its ledger transaction's time) at that time, or, when that
month is closed already, at the start of the first open month. So a bank
transfer recorded late, or a gateway's news of a payment made just before
midnight on the last day, lands in the open month, and a closed month's
figures (the close, the dashboard, the statements, open data, its published
notices) never change after its close. Everything that sums by period reads
the booking time; the rule a sale used is the one valid on its real day.
"""

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from aid_accounting import calendar
from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger.posting import lock_chain_head

if TYPE_CHECKING:  # type hints only
    from aid_accounting.ledger.models import ChainHead

# Periods sit above accrual in the layers, so the model is reached through the
# accrual's own foreign key to it rather than imported.
_Period = LineAccrual._meta.get_field("distributed_in").related_model


def first_open_moment() -> datetime.datetime | None:
    """The start of the month after the last closed one; None before any close.

    Takes the ledger's chain head first, which every posting and every close
    (from its start) hold to the end of their database transaction: so no
    close can run between this answer and the posting that relies on it, and
    a payment seen during a close waits and is booked after it.
    """
    return open_for_booking()[1]


def open_for_booking() -> tuple["ChainHead", datetime.datetime | None]:
    """``first_open_moment``, with the chain head it locked, for the posting
    that relies on the answer (``post_transactions(head=...)``)."""
    head = lock_chain_head()
    last = (
        _Period.objects.filter(status="closed").order_by("-start").values_list("end", flat=True)
    ).first()
    return head, (
        None if last is None else calendar.start_of_day(last + datetime.timedelta(days=1))
    )


def booking_time(
    moment: datetime.datetime, *, opens_at: datetime.datetime | None
) -> datetime.datetime:
    """When to book an event of real time ``moment``, given the first open
    moment (``first_open_moment``). An event in the future is refused: no
    one can have received or returned money then."""
    if moment > timezone.now():
        raise ValueError(f"{moment.isoformat()} is in the future; nothing is booked")
    return moment if opens_at is None or moment >= opens_at else opens_at
