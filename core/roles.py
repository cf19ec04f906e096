"""The roles of DESIGN §8 (Django groups created by data migrations) and the
checks the services make themselves, so a task, a command and an admin view are
held to the same rule."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
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


def holds_staff_role(user: OuterRef) -> Exists:
    """Whether the user ``user`` refers to holds one of ``STAFF_ROLES``, as an
    expression, for a query that reads it with the user."""
    return Exists(Group.objects.filter(user=user, name__in=STAFF_ROLES))


class SystemActor:
    """The shop acting on its own, with no person behind it (the demo seeding,
    a task or a command): services that want the person acting take it as
    ``actor=SYSTEM``, so a caller passes the role check only by saying so, never
    by leaving the actor out."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

Actor = AbstractBaseUser | AnonymousUser | SystemActor | None


def acting_user(actor: AbstractBaseUser | SystemActor) -> AbstractBaseUser | None:
    """Whom to record as having acted: the user, or nobody for the system."""
    return None if isinstance(actor, SystemActor) else actor


def require_permission(actor: Actor, permission: str, *, message: str) -> None:
    """Let the system, or a user holding ``permission`` ("app_label.codename",
    through a role's group), through; refuse anyone else with ``message``."""
    if isinstance(actor, SystemActor):
        return
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(message)


def emails_of_holders(permission: str) -> list[str]:
    """The e-mail addresses of the active users who hold ``permission``
    ("app_label.codename") through a role or on their own: the staff a
    message about work of that kind goes to."""
    app_label, codename = permission.split(".")
    held = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    users = get_user_model().objects.filter(
        Q(groups__permissions__in=held) | Q(user_permissions__in=held), is_active=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


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


def require_aid_officer_or_system(actor: Actor) -> None:
    """The system (a task, a command, the demo: saying so with ``SYSTEM``) or an
    aid officer; anyone else, and no actor at all, is refused."""
    if not isinstance(actor, SystemActor):
        require_aid_officer(actor)
