"""Check the chain of published notices (公示): exit 0 if intact, 1 naming the first broken one."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.notices.publication import verify_chain


class Command(BaseCommand):
    help = "Recompute the hash chain of the published public notices."

    def handle(self, *args, **options):
        problems = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"notice chain broken at {problems[0]}")
        self.stdout.write(self.style.SUCCESS("Notice chain intact."))
