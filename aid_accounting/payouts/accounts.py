"""Producers' payout accounts: showing one's bank account in full, with an
audit row (the households' equivalent is ``households.personal_data``)."""

from django.contrib.auth.models import AbstractUser

from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.households.personal_data import require_can_reveal
from aid_accounting.payouts.models import ProducerPayoutAccount


def reveal_producer_bank_account(
    *,
    user: AbstractUser,
    payout_account: ProducerPayoutAccount,
    purpose: PersonalDataAccess.Purpose | str,
) -> str:
    """Return the full account number after checking the role and writing the audit row."""
    purpose = PersonalDataAccess.Purpose(purpose)
    require_can_reveal(user)
    PersonalDataAccess.objects.create(
        user=user,
        producer_id=payout_account.producer_id,
        fields=["bank_account_number"],
        purpose=purpose,
    )
    return payout_account.bank_account_number
