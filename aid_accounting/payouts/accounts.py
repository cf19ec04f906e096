"""Payees' payout accounts: showing the account a payout row recorded when it
was drafted, in full, with an audit row (the register's equivalent is
``households.personal_data.reveal_personal_data``)."""

from django.contrib.auth.models import AbstractUser

from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.households.personal_data import record_access
from aid_accounting.payouts.models import PayoutRow


def reveal_payee_account(
    *,
    user: AbstractUser,
    row: PayoutRow,
    purpose: PersonalDataAccess.Purpose | str,
    reason: str = "",
) -> tuple[str, str]:
    """The row's bank name and full account number, after checking the role
    and writing the audit row (against its household or producer, with ``reason``)."""
    if row.household_id:
        # A household's bank name is personal data on the register too.
        record_access(
            user=user,
            household=row.household,
            fields=["bank_name", "bank_account_number"],
            purpose=purpose,
            reason=reason,
        )
    else:
        record_access(
            user=user,
            producer=row.producer,
            fields=["bank_account_number"],
            purpose=purpose,
            reason=reason,
        )
    return row.payee_bank_name, row.payee_account_number
