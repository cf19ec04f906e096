"""When a sale can no longer come back (退货期已过): the one rule, used by the
shop to complete orders and by the aid close to take lines for distribution.

A delivery can come back until its return window is over: ``delivered_at``
plus ``return_window_days`` (the line's, as they were at purchase), that
instant itself included in "over". Nothing undelivered is ever over.

The order and its lines apply it to different deliveries:

- an order (``order_return_window_end``): its own ``delivered_at``, which is
  its last parcel's, plus the longest window of its lines;
- a line (``line_can_come_back``): its own parcel's ``delivered_at`` plus its
  own window; a line whose order completed, or that was refunded in full,
  cannot come back whatever its window.

So an order never completes before each of its lines is over, but with
parcels delivered on different days a line can be over before its order.
"""

from datetime import datetime, timedelta

from shop.orders.models import Order


def return_window_end(*, delivered_at: datetime | None, return_window_days: int) -> datetime | None:
    """The first instant the delivery can no longer come back; None before it is delivered."""
    if delivered_at is None:
        return None
    return delivered_at + timedelta(days=return_window_days)


def order_return_window_end(order: Order) -> datetime | None:
    """When nothing of the order can come back; reads ``order.lines`` (prefetch them)."""
    return return_window_end(
        delivered_at=order.delivered_at,
        return_window_days=max((line.return_window_days for line in order.lines.all()), default=0),
    )


def order_can_come_back(order: Order, *, now: datetime) -> bool:
    return _is_open(order_return_window_end(order), now=now)


def line_can_come_back(
    *,
    delivered_at: datetime | None,
    return_window_days: int,
    completed_at: datetime | None,
    refunded_fen: int,
    total_fen: int,
    now: datetime,
) -> bool:
    """Whether anything of an order line may still be returned, as seen at ``now``.
    Plain values, not the line, so callers can read thousands of lines as rows."""
    if refunded_fen == total_fen:
        return False
    if completed_at is not None and completed_at <= now:
        return False
    end = return_window_end(delivered_at=delivered_at, return_window_days=return_window_days)
    return _is_open(end, now=now)


def _is_open(end: datetime | None, *, now: datetime) -> bool:
    # No end yet: not delivered, so all of it can still come back.
    return end is None or now < end
