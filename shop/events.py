"""What the shop announces, for the aid accounting to act on (DESIGN §3), and
for the page cache (a paid or refunded line changes the "已售 N" count shown).

This is the one seam where flow is not a direct call: ``shop`` must not import
``aid_accounting``, so it sends these signals and ``aid_accounting`` connects
its receivers in its ``AppConfig.ready()``. They are sent inside the shop's
database transaction, so a receiver's writes commit or roll back with the
change that caused them (a paid order and its accrual, for example). A
receiver that raises aborts that change.

Every signal is sent with keyword arguments only.
"""

from django.dispatch import Signal

# order: Order, just marked paid (status PAID, paid_at set).
order_paid = Signal()

# refund: Refund (succeeded); line: OrderLine; quantity: int; amount_fen: int.
# Sent once per line a refund touches; a whole-order refund sends one per line.
line_refunded = Signal()
