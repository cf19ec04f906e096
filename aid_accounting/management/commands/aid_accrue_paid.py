"""Accrue paid orders that have lines without an accrual (DESIGN §7 flow 1)."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.accrual.accrue import accrue_paid_orders


class Command(BaseCommand):
    help = (
        "Accrue every paid order with lines not yet accrued: orders recorded outside the shop "
        "(moved from an earlier platform, a table restored on its own), which aid_reconcile "
        "lists. The shop accrues an order as it is paid; running this again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=500, help="orders per database transaction (500)"
        )

    def handle(self, *args, batch: int, **options):
        if batch < 1:
            raise CommandError(f"--batch {batch}: give at least 1 order per transaction")
        orders, lines = accrue_paid_orders(batch_size=batch)
        self.stdout.write(self.style.SUCCESS(f"Accrued {lines} line(s) of {orders} order(s)."))
