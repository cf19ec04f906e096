"""Reconcile the payment gateways' statements of a day (对账); see
``shop.payments.reconciliation``. Exits non-zero when a statement could not be
downloaded or has a difference nobody has explained yet."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.money import format_yuan
from shop.payments.gateway import GATEWAYS
from shop.payments.models import GatewayStatement
from shop.payments.reconciliation import (
    NOTHING_TO_RECONCILE,
    gateways_to_reconcile,
    reconcile_day,
    yesterday,
)


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day {text!r}: give a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Download each gateway's statement of a day (default: yesterday, Beijing time) and "
        "compare it with the shop's payments and refunds. Running a day again replaces its result."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="the day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument(
            "--gateway",
            help="one gateway (default: every gateway of PAYMENT_GATEWAYS with a statement)",
        )

    def handle(self, *args, day: str | None, gateway: str | None, **options):
        chosen = _day(day) if day else yesterday()
        if gateway is not None and (gateway not in GATEWAYS or gateway in NOTHING_TO_RECONCILE):
            raise CommandError(f"--gateway {gateway!r}: no statement to reconcile for it")
        gateways = [gateway] if gateway else gateways_to_reconcile()
        if not gateways:
            self.stdout.write("No gateway to reconcile.")
            return
        problems = 0
        for name in gateways:
            statement = reconcile_day(gateway=name, day=chosen)
            problems += self._report(statement)
        if problems:
            raise CommandError(f"{problems} statement(s) need a person; see above.")

    def _report(self, statement: GatewayStatement) -> bool:
        """Print the statement's summary; whether it needs a person."""
        heading = f"{statement.gateway} {statement.day:%Y-%m-%d}"
        if statement.status == GatewayStatement.Status.FAILED:
            self.stdout.write(self.style.ERROR(f"{heading}: download failed: {statement.error}"))
            return True
        self.stdout.write(
            f"{heading}: {statement.lines_count} line(s); "
            f"charges {format_yuan(statement.charges_fen)}, "
            f"refunds {format_yuan(statement.refunds_fen)}, "
            f"fees {format_yuan(statement.fees_fen)}"
        )
        differences = list(statement.differences.all())
        open_ = [difference for difference in differences if difference.resolved_at is None]
        for difference in open_:
            self.stdout.write(
                f"  {difference.kind} {difference.merchant_reference or '-'} "
                f"{difference.external_id or '-'}: shop {_amount(difference.shop_amount_fen)}, "
                f"gateway {_amount(difference.gateway_amount_fen)}"
                + (f" ({difference.detail})" if difference.detail else "")
            )
        if not differences:
            self.stdout.write(self.style.SUCCESS("  matched"))
            return False
        explained = len(differences) - len(open_)
        summary = f"  {len(differences)} difference(s), {explained} explained"
        if open_:
            self.stdout.write(self.style.WARNING(summary))
            return True
        self.stdout.write(summary)
        return False


def _amount(fen: int | None) -> str:
    return "-" if fen is None else format_yuan(fen)
