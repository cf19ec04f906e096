"""Write the aid ledger in a standard plain-text accounting format (DESIGN §7)."""

from django.core.management.base import BaseCommand

from aid_accounting.ledger.export import export_beancount


class Command(BaseCommand):
    help = "Export the aid ledger as beancount text, which `bean-check` can verify."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["beancount"], required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, output: str | None = None, **options):
        if output:
            with open(output, "w", encoding="utf-8") as out:
                for line in export_beancount():
                    out.write(line + "\n")
            self.stderr.write(f"Ledger written to {output}.")
        else:
            for line in export_beancount():
                self.stdout.write(line)
