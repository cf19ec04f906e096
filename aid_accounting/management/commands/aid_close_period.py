"""Close an accounting period: distribute the pools to households (DESIGN §7 flow 3)."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.exceptions import PeriodError
from aid_accounting.periods.close import close_period
from core.money import format_yuan
from core.roles import SYSTEM


class Command(BaseCommand):
    help = "Close the month PERIOD (YYYY-MM, e.g. 2026-10). Closing it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("period", help="the month to close, as YYYY-MM")

    def handle(self, *args, period: str, **options):
        try:
            result = close_period(actor=SYSTEM, period=period)
        except PeriodError as error:
            raise CommandError(str(error)) from None
        code = result.period.code
        if result.already_closed:
            self.stdout.write(f"{code} was closed already; nothing changed.")
            return
        for distribution in result.distributions:
            self.stdout.write(
                f"{distribution.pool.name}: {format_yuan(distribution.amount_fen)} to "
                f"{distribution.household_count} household(s)"
            )
        for carried in result.carried:
            self.stdout.write(
                f"{carried.pool.name}: {format_yuan(carried.amount_fen)} carried to the next close "
                f"({carried.reason})"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Closed {code}: {format_yuan(result.distributed_fen)} distributed.")
        )
