"""Check that every encrypted value is readable with the configured keys."""

from django.core.management.base import BaseCommand, CommandError

from aid_accounting.households.encryption import survey_encrypted_values


class Command(BaseCommand):
    help = (
        "Try every encrypted value (households' and producers' payout accounts' personal data) "
        "with the keys in FIELD_ENCRYPTION_KEY; say which key reads how many. Exit status 1 if "
        "any value cannot be decrypted."
    )

    def handle(self, *args, **options):
        survey = survey_encrypted_values()
        for key in survey.keys:
            role = "newest, encrypts" if key.position == 1 else "older, decrypts only"
            self.stdout.write(
                f"key {key.position} ({key.fingerprint}, {role}): reads {key.values} value(s)"
            )
        for label, use in survey.fields.items():
            state = f"{use.unreadable} UNREADABLE" if use.unreadable else "all readable"
            self.stdout.write(f"{label}: {use.values} value(s), {state}")
        if survey.unreadable:
            raise CommandError(
                f"{survey.unreadable} of {survey.values} encrypted value(s) cannot be decrypted "
                "with any key in FIELD_ENCRYPTION_KEY: the key they were written with is missing. "
                "Restore it (from the secrets store) before anything else."
            )
        if survey.under_older_keys:
            older = [key.fingerprint for key in survey.keys[1:] if key.values]
            self.stdout.write(
                f"{survey.under_older_keys} value(s) still need older key(s) {', '.join(older)}: "
                "run aid_rotate_encryption_keys before removing them."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: all {survey.values} encrypted value(s) are readable with the configured keys."
            )
        )
