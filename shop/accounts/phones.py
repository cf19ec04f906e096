"""A buyer's log-in number: what django-allauth's adapter stores and looks up."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.mobile import is_mobile, normalize_mobile
from shop.accounts.models import BuyerPhone


def phone_of(user: AbstractBaseUser) -> tuple[str, bool] | None:
    """The user's number and whether it is verified, or None."""
    row = BuyerPhone.objects.filter(user=user).first()
    return (row.phone, row.verified) if row else None


def user_by_phone(phone: str) -> AbstractBaseUser | None:
    """The active account whose verified number this is (as typed), or None."""
    if not is_mobile(phone):
        return None
    return (
        get_user_model()
        .objects.filter(
            buyer_phone__phone=normalize_mobile(phone), buyer_phone__verified=True, is_active=True
        )
        .first()
    )


def set_phone(*, user: AbstractBaseUser, phone: str, verified: bool) -> None:
    """Give the user this number (replacing any other), verified or not yet."""
    phone = normalize_mobile(phone)
    with transaction.atomic():
        if verified:
            _drop_other_claims(user=user, phone=phone)
        BuyerPhone.objects.update_or_create(
            user=user,
            defaults={
                "phone": phone,
                "verified": verified,
                "verified_at": timezone.now() if verified else None,
            },
        )


def mark_verified(*, user: AbstractBaseUser, phone: str) -> None:
    """The user proved they hold the number (an SMS code)."""
    set_phone(user=user, phone=phone, verified=True)


def _drop_other_claims(*, user: AbstractBaseUser, phone: str) -> None:
    # Others who typed this number but never verified it lose it to its holder.
    BuyerPhone.objects.filter(phone=phone, verified=False).exclude(user=user).delete()
