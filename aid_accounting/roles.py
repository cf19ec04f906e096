"""Who may do what in aid accounting, checked by the services themselves
(DESIGN §8), so a task, a command and an admin view are held to the same rule."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from producers.roles import AID_OFFICER


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
