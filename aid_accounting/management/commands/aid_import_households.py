"""Import the household register from a CSV file (UTF-8 or GBK), all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from aid_accounting.households.register_import import RegisterFileError, import_register


class Command(BaseCommand):
    help = (
        "Check FILE (the register as CSV) and, unless --dry-run, import it. Every bad row is "
        "listed with its line number; nothing is imported until the whole file is clean."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="username", required=True, help="the aid officer doing the import"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, file: Path, username: str, dry_run: bool, **options):
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            result = import_register(data=data, actor=actor, dry_run=dry_run)
        except (RegisterFileError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        for line, problem in result.problems:
            self.stderr.write(f"line {line}: {problem}")
        if not result.is_clean:
            raise CommandError(
                f"{len(result.problems)} problem(s) in {len(result.households)} row(s); "
                "nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"{len(result.households)} row(s) are clean; nothing was imported.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {result.imported} household(s)."))
