"""Encryption at rest of personal data: ID numbers, phones, bank accounts (DESIGN §7, PIPL).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256) made with the keys in
``settings.FIELD_ENCRYPTION_KEYS``, newest first: the newest key encrypts, every
key decrypts. To rotate, put a new key in front, run ``manage.py
aid_rotate_encryption_keys``, then drop the old key.

Encryption happens in ``get_prep_value``, so ``save()``, ``bulk_create()``,
``update()`` and ``bulk_update()`` all store tokens. Each token has a random
IV, so an encrypted column cannot be searched or compared in the database;
the field refuses every lookup except ``isnull`` rather than silently match
nothing.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast

from aid_accounting.exceptions import DecryptionError

ROTATION_BATCH_SIZE = 500


@lru_cache(maxsize=4)
def _cipher_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        # The message names the problem, never the key.
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY holds a malformed key: {error}") from None


def cipher() -> MultiFernet:
    """The cipher for the keys configured now (read on every call, so settings overrides apply)."""
    return _cipher_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise DecryptionError(
            "A personal-data value cannot be decrypted with any key in FIELD_ENCRYPTION_KEY; "
            "was the key it was written with removed before rotating?"
        ) from None


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; the empty string is stored as is."""

    description = "Text encrypted at rest with Fernet"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted with a random IV and cannot be "
                f"queried with '{lookup_name}'; only 'isnull' is supported."
            )
        return super().get_lookup(lookup_name)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def rotate_encryption_keys() -> int:
    """Re-encrypt every stored token with the newest key; return how many values changed.

    Works on the raw tokens with ``MultiFernet.rotate``, below the model layer:
    no instances are saved, so no signals fire and no history rows are made.
    Rows are locked while they are rotated so that a concurrent save is not
    overwritten with its older value. All or nothing: a token no key can read
    stops the rotation and rolls it back.
    """
    multi_fernet = cipher()
    rotated = 0
    with transaction.atomic():
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                rotated += _rotate_model(model, fields, multi_fernet)
    return rotated


def _rotate_model(
    model: type[models.Model], fields: list[EncryptedTextField], multi_fernet: MultiFernet
) -> int:
    # Cast to a plain TextField so the column comes back as the raw token.
    raw = {f"raw_{field.attname}": Cast(field.attname, models.TextField()) for field in fields}
    rows = list(
        model._base_manager.select_for_update().order_by("pk").annotate(**raw).values("pk", *raw)
    )
    batch: list[tuple[object, dict[str, str]]] = []
    for row in rows:
        new_tokens = {
            field.attname: _rotate_token(multi_fernet, row[f"raw_{field.attname}"], model, field)
            for field in fields
            if row[f"raw_{field.attname}"]
        }
        if new_tokens:
            batch.append((row["pk"], new_tokens))
    for start in range(0, len(batch), ROTATION_BATCH_SIZE):
        _write_tokens(model, fields, batch[start : start + ROTATION_BATCH_SIZE])
    return sum(len(tokens) for _, tokens in batch)


def _rotate_token(
    multi_fernet: MultiFernet, token: str, model: type[models.Model], field: EncryptedTextField
) -> str:
    try:
        return multi_fernet.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError(
            f"{model._meta.label}.{field.name} holds a value no configured key can decrypt; "
            "nothing was rotated."
        ) from None


def _write_tokens(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    batch: list[tuple[object, dict[str, str]]],
) -> None:
    # Value(..., output_field=TextField()) writes the token as is: a plain value
    # would go through the field's get_prep_value and be encrypted a second time.
    updates = {}
    for field in fields:
        whens = [
            models.When(pk=pk, then=models.Value(tokens[field.attname], models.TextField()))
            for pk, tokens in batch
            if field.attname in tokens
        ]
        if whens:
            updates[field.attname] = models.Case(
                *whens, default=models.F(field.attname), output_field=models.TextField()
            )
    model._base_manager.filter(pk__in=[pk for pk, _ in batch]).update(**updates)
