"""Re-encrypt stored personal data with the newest FIELD_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand

from aid_accounting.households.encryption import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first (newest) key in FIELD_ENCRYPTION_KEY. "
        "Run after putting a new key in front; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        rotated = rotate_encryption_keys()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {rotated} value(s) with the newest key.")
        )
