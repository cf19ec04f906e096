"""Showing personal data in full (DESIGN §7, PIPL).

Full ID numbers, phones and bank accounts are for aid officers only, and every
time one is shown or exported the audit log records who, when, which
household or producer, which fields and why. Every view, export or task that
needs a full value goes through ``reveal_personal_data`` (the register) or
``payouts.accounts.reveal_payee_account`` (the account a payout row recorded
when it was drafted), both over ``record_access``; everything else shows the
masks of ``aid_accounting.households.masking``.
"""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from aid_accounting.households.models import Household, PersonalDataAccess
from core.roles import is_aid_officer
from producers.models import Producer


def can_reveal_personal_data(user: AbstractUser | AnonymousUser) -> bool:
    return is_aid_officer(user)


def reveal_personal_data(
    *,
    user: AbstractUser,
    household: Household,
    fields: Sequence[str],
    purpose: PersonalDataAccess.Purpose | str,
    reason: str = "",
) -> dict[str, str]:
    """Return the plaintext of ``fields`` after checking the role and writing the audit row
    (with ``reason``, what the officer said they need it for)."""
    purpose = PersonalDataAccess.Purpose(purpose)
    unknown = set(fields) - set(Household.PERSONAL_FIELDS)
    if not fields or unknown:
        raise ValueError(
            f"fields must be a non-empty subset of {Household.PERSONAL_FIELDS}, got {list(fields)}"
        )
    record_access(user=user, household=household, fields=fields, purpose=purpose, reason=reason)
    return {field: getattr(household, field) for field in fields}


def record_access(
    *,
    user: AbstractUser,
    fields: Sequence[str],
    purpose: PersonalDataAccess.Purpose | str,
    household: Household | None = None,
    producer: Producer | None = None,
    reason: str = "",
) -> None:
    """Check the role and write the audit row, before a caller shows a full value."""
    require_can_reveal(user)
    PersonalDataAccess.objects.create(
        user=user,
        household=household,
        producer=producer,
        fields=list(fields),
        purpose=PersonalDataAccess.Purpose(purpose),
        reason=reason,
    )


def require_can_reveal(user: AbstractUser) -> None:
    if not can_reveal_personal_data(user):
        raise PermissionDenied(_("只有帮扶专员可以查看完整的个人信息。"))
