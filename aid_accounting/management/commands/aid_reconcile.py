"""Check every invariant of the aid ledger (DESIGN §7); exit non-zero on any failure."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.audit.reconcile import reconcile
from core.money import format_yuan


class Command(BaseCommand):
    help = "Reconcile the aid ledger with the accrual, distribution and payout records."

    def handle(self, *args, **options):
        report = reconcile()
        for check in report.checks:
            mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {check.name}")
            for failure in check.failures:
                self.stdout.write(f"       {failure}")
        figures = report.figures
        if report.late_booked:
            self.stdout.write(
                f"{figures['late_booked']} payment(s) or refund(s) dated in a month closed "
                "before they were recorded, booked in the next open month (latest first):"
            )
            for line in report.late_booked:
                self.stdout.write(f"       {line}")
        self.stdout.write(
            f"{figures['transactions']} transactions, {figures['accrued_lines']} accrued lines, "
            f"{figures['pools']} pools, {figures['closed_periods']} closed periods; aid accrued "
            f"{format_yuan(figures['aid_accrued_fen'])}, "
            f"reversed {format_yuan(figures['aid_reversed_fen'])}, "
            f"distributed {format_yuan(figures['aid_distributed_fen'])}; "
            f"paid out {format_yuan(figures['paid_out_fen'])}."
        )
        failed = sum(not check.ok for check in report.checks)
        if failed:
            raise CommandError(f"{failed} of {len(report.checks)} checks failed.")
        self.stdout.write(self.style.SUCCESS(f"All {len(report.checks)} checks passed."))
