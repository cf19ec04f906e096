"""Encryption at rest of personal data: ID numbers, phones, bank accounts (DESIGN §7, PIPL).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256) made with the keys in
``settings.FIELD_ENCRYPTION_KEYS``, newest first: the newest key encrypts, every
key decrypts. To rotate, put a new key in front, run ``manage.py
aid_rotate_encryption_keys`` (which refuses keys in the wrong order and
checks its work), then drop the old key. ``manage.py aid_check_encryption``
(and ``/healthz`` for staff) says whether every stored value is readable.

Encryption happens in ``get_prep_value``, so ``save()``, ``bulk_create()``,
``update()`` and ``bulk_update()`` all store tokens. Each token has a random
IV, so an encrypted column cannot be searched or compared in the database;
the field refuses every lookup except ``isnull`` rather than silently match
nothing.

Staff members' TOTP secrets and recovery-code seeds (allauth's ``Authenticator.data``)
are encrypted with the same keys (``config.staff_auth.MFAAdapter``), and surveyed and
rotated with the fields (``JSON_SECRETS``).
"""

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models, transaction
from django.db.models.functions import Cast

from aid_accounting.exceptions import DecryptionError, KeyOrderError

ROTATION_BATCH_SIZE = 500
# Secrets another app keeps in a JSON column, encrypted with these keys through its own
# hooks: allauth's TOTP secret and recovery-code seed (config.staff_auth.MFAAdapter).
# The survey and the rotation cover them with the fields. model label: (column, keys)
JSON_SECRETS = {"mfa.Authenticator": ("data", ("secret", "seed"))}


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


def key_fingerprint(key: str) -> str:
    """A name for a key that does not give it away: the first 8 hex digits of
    its sha256. Commands and /healthz name keys by it, never by the key."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:8]


@dataclass
class KeyUse:
    """What one configured key decrypts of the stored values."""

    position: int  # 1 is the first (newest) key, the one that encrypts
    fingerprint: str
    values: int = 0
    # When its most recently written value was first encrypted (Unix seconds).
    latest: int | None = None


@dataclass
class FieldUse:
    values: int = 0
    unreadable: int = 0


@dataclass
class Survey:
    """Which configured key decrypts each stored value, per key and per field."""

    keys: list[KeyUse]
    fields: dict[str, FieldUse] = field(default_factory=dict)

    @property
    def values(self) -> int:
        return sum(use.values for use in self.fields.values())

    @property
    def unreadable(self) -> int:
        return sum(use.unreadable for use in self.fields.values())

    @property
    def under_older_keys(self) -> int:
        return sum(key.values for key in self.keys[1:])


@dataclass(frozen=True)
class Rotation:
    rotated: int
    # every stored value, each checked to decrypt with the newest key alone
    values: int
    newest: str
    # the other keys' fingerprints: the database no longer needs them
    retired: list[str]


@dataclass(frozen=True)
class _Stored:
    model: type[models.Model]
    # the encrypted columns' attnames, or the keys of ``json_column`` holding tokens
    names: list[str]
    # (pk, {name: raw token}) for every row with at least one token
    rows: list[tuple[object, dict[str, str]]]
    json_column: str | None = None


def survey_encrypted_values(*, keys: list[str] | None = None) -> Survey:
    """Try every stored value (every ``EncryptedTextField`` of every model)
    against ``keys`` (the configured ones by default), in order: which key
    reads each, and how many none can. Reads raw tokens, below the model
    layer, so an unreadable value is counted rather than raised."""
    return _survey(_stored_tokens(lock=False), keys or list(settings.FIELD_ENCRYPTION_KEYS))


def rotate_encryption_keys() -> Rotation:
    """Re-encrypt with the newest (first) key every stored value another key
    wrote; verify, before returning, that every value decrypts with the
    newest key alone.

    Refuses, changing nothing (``DecryptionError``), when a value no key can
    read, and (``KeyOrderError``) when the keys look to be in the wrong order:
    a new key put after the old one would make the rotation re-encrypt with
    the old key, and dropping the old key afterwards would lose every value.
    Works on the raw tokens with ``MultiFernet.rotate``: no instances are
    saved, so no signals fire and no history rows are made. Rows are locked
    while they are rotated so that a concurrent save is not overwritten with
    its older value. All or nothing.
    """
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    multi_fernet = cipher()
    newest = Fernet(keys[0])
    with transaction.atomic():
        stored = _stored_tokens(lock=True)
        survey = _survey(stored, keys)
        unreadable = [label for label, use in survey.fields.items() if use.unreadable]
        if unreadable:
            raise DecryptionError(
                f"{', '.join(unreadable)} hold(s) {survey.unreadable} value(s) no configured key "
                "can decrypt; nothing was rotated."
            )
        _require_newest_key_first(survey)
        rotated = 0
        for table in stored:
            batch = [
                (pk, new_tokens)
                for pk, tokens in table.rows
                if (new_tokens := _rotated(tokens, newest, multi_fernet))
            ]
            for start in range(0, len(batch), ROTATION_BATCH_SIZE):
                _write_tokens(table, batch[start : start + ROTATION_BATCH_SIZE])
            rotated += sum(len(tokens) for _, tokens in batch)
        # Verified before anything is reported: with the newest key alone,
        # as the site will run once the older keys are dropped.
        check = _survey(_stored_tokens(lock=False), keys[:1])
        if check.unreadable:
            raise DecryptionError(
                f"After re-encryption {check.unreadable} value(s) do not decrypt with the newest "
                "key alone; nothing was rotated."
            )
    return Rotation(
        rotated=rotated,
        values=check.values,
        newest=key_fingerprint(keys[0]),
        retired=[key_fingerprint(key) for key in keys[1:]],
    )


def _require_newest_key_first(survey: Survey) -> None:
    first, later = survey.keys[0], survey.keys[1:]
    if not later or not survey.values:
        return
    if not survey.under_older_keys:
        raise KeyOrderError(
            f"Nothing to re-encrypt: all {survey.values} stored value(s) are already encrypted "
            f"with the first key in FIELD_ENCRYPTION_KEY ({first.fingerprint}), and the other "
            f"key(s) ({', '.join(key.fingerprint for key in later)}) decrypt none of them. "
            "If you have just added a new key to rotate to, it is not first: the new key must "
            "come before the old one (FIELD_ENCRYPTION_KEY=<new>,<old>); fix the order, restart, "
            f"and run this again. Do not remove {first.fingerprint}: every value needs it. "
            "If you did rotate already, there is nothing left to do. Nothing was changed."
        )
    for key in later:
        if first.latest is not None and key.latest is not None and key.latest > first.latest:
            raise KeyOrderError(
                f"Key {key.position} in FIELD_ENCRYPTION_KEY ({key.fingerprint}) wrote a value "
                f"more recently than the first key ({first.fingerprint}), so it is the newer one: "
                "the keys look to be in the wrong order. Put the newest key first, restart, "
                "and run this again. Nothing was changed."
            )


def _stored_tokens(*, lock: bool) -> list[_Stored]:
    stored = []
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        # Cast to a plain TextField so the column comes back as the raw token.
        raw = {f"raw_{f.attname}": Cast(f.attname, models.TextField()) for f in fields}
        rows = model._base_manager.order_by("pk").annotate(**raw).values("pk", *raw)
        if lock:
            rows = rows.select_for_update()
        tokens = [
            (
                row["pk"],
                {f.attname: row[f"raw_{f.attname}"] for f in fields if row[f"raw_{f.attname}"]},
            )
            for row in rows
        ]
        names = [f.attname for f in fields]
        stored.append(_Stored(model, names, [(pk, found) for pk, found in tokens if found]))
    return stored + [_stored_json_tokens(label, lock=lock) for label in JSON_SECRETS]


def _stored_json_tokens(label: str, *, lock: bool) -> _Stored:
    column, names = JSON_SECRETS[label]
    model = apps.get_model(label)
    rows = model._base_manager.order_by("pk").values("pk", column)
    if lock:
        rows = rows.select_for_update()
    tokens = [
        (row["pk"], {name: row[column][name] for name in names if row[column].get(name)})
        for row in rows
    ]
    return _Stored(model, list(names), [(pk, found) for pk, found in tokens if found], column)


def _survey(stored: list[_Stored], keys: list[str]) -> Survey:
    fernets = [Fernet(key) for key in keys]
    survey = Survey(
        keys=[KeyUse(position, key_fingerprint(key)) for position, key in enumerate(keys, 1)]
    )
    for table in stored:
        for name in table.names:
            survey.fields[f"{table.model._meta.label}.{name}"] = FieldUse()
        for _pk, tokens in table.rows:
            for name in table.names:
                token = tokens.get(name)
                if token is None:
                    continue
                use = survey.fields[f"{table.model._meta.label}.{name}"]
                use.values += 1
                reader = _reader(fernets, token)
                if reader is None:
                    use.unreadable += 1
                    continue
                key = survey.keys[reader]
                key.values += 1
                written = fernets[reader].extract_timestamp(token.encode("ascii"))
                key.latest = written if key.latest is None else max(key.latest, written)
    return survey


def _reader(fernets: list[Fernet], token: str) -> int | None:
    """The index of the first key that decrypts ``token``, or None."""
    for index, fernet in enumerate(fernets):
        try:
            fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            continue
        return index
    return None


def _rotated(tokens: dict[str, str], newest: Fernet, multi_fernet: MultiFernet) -> dict[str, str]:
    """The tokens another key than the newest wrote, re-encrypted with the newest."""
    new_tokens = {}
    for attname, token in tokens.items():
        try:
            newest.decrypt(token.encode("ascii"))
        except InvalidToken:
            new_tokens[attname] = multi_fernet.rotate(token.encode("ascii")).decode("ascii")
    return new_tokens


def _write_tokens(table: _Stored, batch: list[tuple[object, dict[str, str]]]) -> None:
    rows = table.model._base_manager
    if table.json_column:
        for pk, tokens in batch:
            data = rows.values_list(table.json_column, flat=True).get(pk=pk)
            rows.filter(pk=pk).update(**{table.json_column: {**data, **tokens}})
        return
    # Value(..., output_field=TextField()) writes the token as is: a plain value
    # would go through the field's get_prep_value and be encrypted a second time.
    updates = {}
    for attname in table.names:
        whens = [
            models.When(pk=pk, then=models.Value(tokens[attname], models.TextField()))
            for pk, tokens in batch
            if attname in tokens
        ]
        if whens:
            updates[attname] = models.Case(
                *whens, default=models.F(attname), output_field=models.TextField()
            )
    rows.filter(pk__in=[pk for pk, _ in batch]).update(**updates)
