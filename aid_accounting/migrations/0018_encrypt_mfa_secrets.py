"""Staff TOTP secrets and recovery-code seeds stored before MFAAdapter encrypted them
are encrypted now, so every one reads through the adapter (a token it cannot read
would lock its owner out). Values already tokens are left as they are."""

from cryptography.fernet import InvalidToken
from django.db import migrations

from aid_accounting.households.encryption import JSON_SECRETS, cipher, decrypt, encrypt


def _is_token(value: str) -> bool:
    try:
        cipher().decrypt(value.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def encrypt_plaintext_secrets(apps, schema_editor):
    column, names = JSON_SECRETS["mfa.Authenticator"]
    Authenticator = apps.get_model("mfa", "Authenticator")
    for pk, data in Authenticator.objects.values_list("pk", column):
        plain = {name: data[name] for name in names if data.get(name) and not _is_token(data[name])}
        if plain:
            tokens = {name: encrypt(value) for name, value in plain.items()}
            Authenticator.objects.filter(pk=pk).update(**{column: {**data, **tokens}})


def decrypt_secrets(apps, schema_editor):
    column, names = JSON_SECRETS["mfa.Authenticator"]
    Authenticator = apps.get_model("mfa", "Authenticator")
    for pk, data in Authenticator.objects.values_list("pk", column):
        tokens = {name: data[name] for name in names if data.get(name) and _is_token(data[name])}
        if tokens:
            plain = {name: decrypt(token) for name, token in tokens.items()}
            Authenticator.objects.filter(pk=pk).update(**{column: {**data, **plain}})


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0017_household_left_register"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_plaintext_secrets, decrypt_secrets)]
