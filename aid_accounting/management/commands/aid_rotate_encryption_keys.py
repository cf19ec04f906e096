"""Re-encrypt stored personal data with the newest FIELD_ENCRYPTION_KEY, and check it."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.exceptions import DecryptionError, KeyOrderError
from aid_accounting.households.encryption import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first (newest) key in FIELD_ENCRYPTION_KEY, "
        "then check that every value decrypts with that key alone. Run after putting a new key "
        "in front; then the old keys can be removed. Refuses keys in the wrong order."
    )

    def handle(self, *args, **options):
        try:
            rotation = rotate_encryption_keys()
        except (DecryptionError, KeyOrderError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {rotation.rotated} value(s) with the newest key "
                f"({rotation.newest}, the first in FIELD_ENCRYPTION_KEY). Checked: all "
                f"{rotation.values} stored value(s) decrypt with that key alone."
            )
        )
        if rotation.retired:
            self.stdout.write(
                f"The database no longer needs key(s) {', '.join(rotation.retired)}: after a "
                "backup that restores with the newest key alone, remove them from "
                "FIELD_ENCRYPTION_KEY (keep them in the secrets store for older backups)."
            )
