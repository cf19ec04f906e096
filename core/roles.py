"""The roles of DESIGN §8 (Django groups created by data migrations) and the
checks the services make themselves, so a task, a command and an admin view are
held to the same rule."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BUYER = "buyer"

PRODUCER_MEMBER = "producer_member"

TOWNSHIP_EDITOR = "township_editor"

AID_OFFICER = "aid_officer"

AUDITOR = "auditor"

ROLE_LABELS = {
    BUYER: gettext_lazy("买家"),
    PRODUCER_MEMBER: gettext_lazy("生产者成员"),
    TOWNSHIP_EDITOR: gettext_lazy("镇编辑"),
    AID_OFFICER: gettext_lazy("帮扶专员"),
    AUDITOR: gettext_lazy("审计员"),
}

# Roles that work in the Wagtail admin.
STAFF_ROLES = (TOWNSHIP_EDITOR, AID_OFFICER, AUDITOR)


def is_staff_member(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """A superuser or a user with one of the admin's ``STAFF_ROLES``."""
    return (
        user is not None
        and user.is_active
        and user.is_authenticated
        and (user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists())
    )


def is_aid_officer(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    # Group membership on purpose, not is_superuser: DESIGN §8 gives these
    # powers (and full personal data) to the aid officer role alone.
    return (
        user is not None
        and user.is_active
        and user.is_authenticated
        and user.groups.filter(name=AID_OFFICER).exists()
    )


def require_aid_officer(user: AbstractBaseUser | AnonymousUser | None) -> None:
    if not is_aid_officer(user):
        raise PermissionDenied(_("只有帮扶专员可以进行此操作。"))
