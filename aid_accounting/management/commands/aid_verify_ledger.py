"""Recompute the ledger's hash chain, its daily totals and the period seals:
exit 0 if intact, non-zero naming the first break (docs/aid-accounting.md)."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.ledger.chain import verify_chain
from aid_accounting.ledger.daily_totals import verify_totals
from aid_accounting.periods.seals import verify_seals


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of the posted ledger transactions, check the daily "
        "totals against the entries, and recompute the period seals."
    )

    def handle(self, *args, **options):
        problems = [*verify_chain(), *verify_totals(), *verify_seals()]
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"ledger verification failed: {problems[0]}")
        self.stdout.write(self.style.SUCCESS("Ledger chain, daily totals and period seals intact."))
