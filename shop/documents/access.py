"""Who may download a document: staff who may use its collection's documents in the
admin. Everyone else is told nothing, not even that it exists."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from wagtail.permissions import policy_registry

from core.roles import is_staff_member
from shop.documents.models import PrivateDocument

# Choosing a document (to link it) or changing it (its uploader, or the collection's
# editors) shows the file in the admin already; the download gives no more.
DOWNLOAD_ACTIONS = ("choose", "change")


def may_download(user: AbstractBaseUser | AnonymousUser, document: PrivateDocument) -> bool:
    if not is_staff_member(user):
        return False
    policy = policy_registry.get_by_type(PrivateDocument)
    return policy.user_has_any_permission_for_instance(user, DOWNLOAD_ACTIONS, document)
