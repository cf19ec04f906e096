"""Anonymise the personal data of households past the retention period (docs/privacy.md)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from aid_accounting.privacy.retention import apply_retention, summary
from core.roles import SYSTEM


class Command(BaseCommand):
    help = (
        "Anonymise the head's name, ID number, phone and bank account of every household "
        "removed from the register more than HOUSEHOLD_RETENTION_YEARS ago, unless something "
        "keeps it back (money still payable or owed back, the month it left not closed, an "
        "account change awaiting approval, an open objection). The ledger is not touched. "
        "With --dry-run, only list them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would be anonymised and what is kept back, and why; write nothing",
        )

    def handle(self, *args, dry_run: bool, **options):
        try:
            run = apply_retention(actor=SYSTEM, dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for line in summary(run):
            self.stdout.write(line)
