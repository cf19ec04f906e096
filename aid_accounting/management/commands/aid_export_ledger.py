"""Write the aid ledger in a standard plain-text accounting format (DESIGN §7),
or its hash chain for docs/verify_chain.py."""

import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand

from aid_accounting.ledger import chain
from aid_accounting.ledger.export import export_beancount
from aid_accounting.notices import publication as notices
from aid_accounting.notices.models import Notice
from aid_accounting.periods import seals


class Command(BaseCommand):
    help = (
        "Export the aid ledger as beancount text, which `bean-check` can verify, or "
        "(--format chain) its hash chain, period seals and published notices as JSON "
        "lines, which docs/verify_chain.py recomputes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["beancount", "chain"], required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, output: str | None = None, **options):
        lines = export_beancount() if options["format"] == "beancount" else chain_lines()
        if output:
            with open(output, "w", encoding="utf-8") as out:
                for line in lines:
                    out.write(line + "\n")
            self.stderr.write(f"Ledger written to {output}.")
        else:
            for line in lines:
                self.stdout.write(line)


def chain_lines() -> Iterator[str]:
    """One JSON object per line: the transactions, then the seals, up to the
    head read first (postings committed meanwhile are left out, and so are
    seals that need them), then the published notices."""
    through = chain.head_sequence()
    records = [
        chain.export_records(through=through),
        seals.export_records(through=through),
        notice_records(),
    ]
    for group in records:
        for record in group:
            yield json.dumps(record, ensure_ascii=False, sort_keys=True)


def notice_records() -> Iterator[dict]:
    published = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .select_related("village", "period")
        .prefetch_related("rows")
        .order_by("sequence")
    )
    for notice in published:
        rows = sorted(notice.rows.all(), key=lambda row: row.position)
        yield {
            "type": "notice",
            "content": json.loads(notices.canonical_content(notice, rows=rows)),
            "hash": notice.content_hash,
        }
