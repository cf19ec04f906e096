import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from aid_accounting.exceptions import DecryptionError, KeyOrderError
from aid_accounting.households.encryption import (
    encrypt,
    key_fingerprint,
    rotate_encryption_keys,
    survey_encrypted_values,
)
from aid_accounting.households.models import Household
from tests.aid_accounting.factories import HouseholdFactory
from tests.aid_accounting.factories import ProducerPayoutAccountFactory as PayoutAccountFactory
from tests.factories import UserFactory
from tests.mfa import TEST_TOTP_SECRET, give_totp, totp_code
from tests.producers.factories import VillageFactory

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_column(household: Household, column: str) -> str:
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(column)
        cursor.execute(
            f"SELECT {quoted} FROM aid_accounting_household WHERE id = %s", [household.pk]
        )
        return cursor.fetchone()[0]


def write_raw_column(household: Household, column: str, token: str) -> None:
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(column)
        cursor.execute(
            f"UPDATE aid_accounting_household SET {quoted} = %s WHERE id = %s",
            [token, household.pk],
        )


def test_personal_fields_round_trip(household):
    stored = Household.objects.get(pk=household.pk)

    assert (stored.id_number, stored.phone, stored.bank_name, stored.bank_account_number) == (
        "11010519491231002X",
        "19900001234",
        "示例农村商业银行",
        "6200000000000001234",
    )


@pytest.mark.parametrize(
    ("column", "plaintext"),
    [
        ("id_number", "11010519491231002X"),
        ("phone", "19900001234"),
        ("bank_name", "示例农村商业银行"),
        ("bank_account_number", "6200000000000001234"),
    ],
)
def test_database_column_holds_a_token_not_the_plaintext(household, column, plaintext, settings):
    token = raw_column(household, column)

    assert plaintext not in token
    assert plaintext[-4:] not in token
    assert Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode()).decode() == plaintext


def test_same_value_encrypts_differently_each_time():
    assert encrypt("19900001234") != encrypt("19900001234")


def test_empty_value_is_stored_empty():
    household = HouseholdFactory(phone="")

    assert raw_column(household, "phone") == ""
    assert Household.objects.get(pk=household.pk).phone == ""


def test_bulk_create_encrypts():
    village = VillageFactory()
    created = Household.objects.bulk_create(
        [HouseholdFactory.build(village=village) for _ in range(3)]
    )

    for household in created:
        assert raw_column(household, "id_number").startswith("gAAAAA")


def test_queryset_update_encrypts(household):
    Household.objects.filter(pk=household.pk).update(phone="19900009999")

    assert "19900009999" not in raw_column(household, "phone")
    assert Household.objects.get(pk=household.pk).phone == "19900009999"


def test_encrypted_field_refuses_lookups_that_cannot_match(household):
    with pytest.raises(FieldError, match="cannot be queried with 'exact'"):
        Household.objects.filter(id_number="11010519491231002X").exists()


def test_encrypted_field_allows_isnull(household):
    assert Household.objects.filter(phone__isnull=False).count() == 1


def test_old_key_still_decrypts_after_a_new_key_is_added(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    household = HouseholdFactory()

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    assert Household.objects.get(pk=household.pk).id_number == "11010519491231002X"


def test_after_rotation_only_the_new_key_is_needed(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    household = HouseholdFactory(phone="")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    rotation = rotate_encryption_keys()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    assert (
        rotation.rotated == 3
    )  # id_number, bank_name, bank_account_number; the empty phone stays ""
    stored = Household.objects.get(pk=household.pk)
    assert (stored.id_number, stored.phone) == ("11010519491231002X", "")
    token = raw_column(household, "id_number")
    assert Fernet(NEW_KEY).decrypt(token.encode()) == b"11010519491231002X"


def test_without_the_key_a_value_cannot_be_read(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    household = HouseholdFactory()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(DecryptionError, match="rotating"):
        Household.objects.get(pk=household.pk)


def test_rotation_stops_and_rolls_back_on_a_value_no_key_can_read(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    readable = HouseholdFactory()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    HouseholdFactory()
    token_before = raw_column(readable, "id_number")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, Fernet.generate_key().decode()]

    with pytest.raises(DecryptionError, match=r"aid_accounting\.Household"):
        rotate_encryption_keys()

    assert raw_column(readable, "id_number") == token_before


def test_rotate_command_reports_what_it_did_and_checked(household, settings, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, old]

    call_command("aid_rotate_encryption_keys")

    out = capsys.readouterr().out
    assert "Re-encrypted 4 value(s) with the newest key" in out
    assert f"({key_fingerprint(NEW_KEY)}, the first in FIELD_ENCRYPTION_KEY)" in out
    assert "all 4 stored value(s) decrypt with that key alone" in out
    assert f"no longer needs key(s) {key_fingerprint(old)}" in out
    assert NEW_KEY not in out and old not in out


def test_rotation_refuses_a_new_key_put_after_the_old_one(settings):
    # The operator meant to rotate to NEW_KEY but put it second: the rotation
    # would re-encrypt with OLD_KEY, and dropping OLD_KEY would lose everything.
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    household = HouseholdFactory()
    PayoutAccountFactory()
    tokens_before = raw_column(household, "id_number")
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]

    with pytest.raises(CommandError) as refused:
        call_command("aid_rotate_encryption_keys")

    message = str(refused.value)
    assert "the new key must come before the old one" in message
    assert f"Do not remove {key_fingerprint(OLD_KEY)}" in message
    assert "Nothing was changed" in message
    assert raw_column(household, "id_number") == tokens_before


def test_rotation_refuses_when_a_later_key_wrote_more_recently(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    household = HouseholdFactory()
    # A value the site wrote a minute later with NEW_KEY first: NEW_KEY is the newer key.
    later = Fernet(NEW_KEY).encrypt_at_time(b"19900005678", int(time.time()) + 60).decode()
    write_raw_column(household, "phone", later)
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY, NEW_KEY]

    with pytest.raises(KeyOrderError, match="wrong order"):
        rotate_encryption_keys()

    assert raw_column(household, "phone") == later


def test_the_check_names_each_key_and_passes_when_every_value_is_readable(settings, capsys):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    HouseholdFactory()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    PayoutAccountFactory()

    call_command("aid_check_encryption")

    out = capsys.readouterr().out
    assert f"key 1 ({key_fingerprint(NEW_KEY)}, newest, encrypts): reads 1 value(s)" in out
    assert f"key 2 ({key_fingerprint(OLD_KEY)}, older, decrypts only): reads 4 value(s)" in out
    assert "aid_accounting.ProducerPayoutAccount.bank_account_number: 1 value(s)" in out
    assert "run aid_rotate_encryption_keys before removing them" in out
    assert "OK: all 5 encrypted value(s) are readable" in out


def test_the_check_fails_when_a_key_was_dropped_too_early(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    HouseholdFactory()
    PayoutAccountFactory()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(CommandError, match="5 of 5 encrypted value"):
        call_command("aid_check_encryption")


def test_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]

    with pytest.raises(ImproperlyConfigured, match="malformed"):
        encrypt("x")


def test_change_history_never_holds_personal_data(household):
    history_columns = {field.attname for field in Household.history.model._meta.fields}

    assert history_columns.isdisjoint(Household.PERSONAL_FIELDS)
    with connection.cursor() as cursor:
        table = Household.history.model._meta.db_table
        columns = {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }
    assert columns.isdisjoint(Household.PERSONAL_FIELDS)


# Staff members' second factors (allauth's Authenticator.data) use the same keys.
def stored_mfa_data(authenticator) -> dict:
    return type(authenticator).objects.values_list("data", flat=True).get(pk=authenticator.pk)


def test_a_totp_secret_and_a_recovery_seed_are_stored_encrypted(settings):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    user = UserFactory()
    totp = give_totp(user)
    recovery = RecoveryCodes.activate(user).instance

    secret = stored_mfa_data(totp)["secret"]
    seed = stored_mfa_data(recovery)["seed"]
    assert secret != TEST_TOTP_SECRET
    assert Fernet(OLD_KEY).decrypt(secret.encode()).decode() == TEST_TOTP_SECRET
    assert int(Fernet(OLD_KEY).decrypt(seed.encode()), 16)  # allauth's seed, in hex
    assert TOTP(totp).validate_code(totp_code())
    assert len(RecoveryCodes(recovery).get_unused_codes()) == 10


def test_rotation_re_encrypts_second_factors_and_the_survey_counts_them(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    totp = give_totp(UserFactory())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    rotation = rotate_encryption_keys()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    assert rotation.rotated == 1
    survey = survey_encrypted_values()
    assert survey.fields["mfa.Authenticator.secret"].values == 1
    assert survey.unreadable == 0
    token = stored_mfa_data(totp)["secret"]
    assert Fernet(NEW_KEY).decrypt(token.encode()).decode() == TEST_TOTP_SECRET


def test_the_migration_encrypts_secrets_stored_in_the_clear_once_and_back(settings):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("aid_accounting.migrations.0018_encrypt_mfa_secrets")
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    totp = give_totp(UserFactory())
    already = give_totp(UserFactory(), secret="ALREADYENCRYPTEDALREADYENCRYPTE")
    type(totp).objects.filter(pk=totp.pk).update(data={"secret": TEST_TOTP_SECRET})
    kept = stored_mfa_data(already)

    migration.encrypt_plaintext_secrets(apps, None)
    token = stored_mfa_data(totp)["secret"]
    migration.encrypt_plaintext_secrets(apps, None)

    assert Fernet(OLD_KEY).decrypt(token.encode()).decode() == TEST_TOTP_SECRET
    assert stored_mfa_data(totp)["secret"] == token
    assert stored_mfa_data(already) == kept
    migration.decrypt_secrets(apps, None)
    assert stored_mfa_data(totp) == {"secret": TEST_TOTP_SECRET}
