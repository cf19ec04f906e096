"""Who may edit what: each producer's members get Wagtail permissions on that
producer's page subtree and image collection only, through one group per
producer. ``provision_producer`` reconciles all of it from the data, so it is
safe to call after any change (creating a producer, editing its members).

Members work in the portal, never in the Wagtail admin (no ``access_admin``):
the portal's product pages act through these page permissions (a draft
revision, submitting it to the workflow), and its photos go into the
producer's collection. Members may add and edit products but not publish
them: publishing goes through the township editors' moderation workflow
(shop migration 0003).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from core import roles
from producers.models import Producer, ProducerMembership, ProducerPage, ProducersIndexPage

MEMBER_PAGE_PERMISSIONS = ("add_page", "change_page")
MEMBER_IMAGE_PERMISSIONS = ("add_image", "choose_image", "change_image")


class ProducersIndexMissing(Exception):
    pass


def producer_group_name(producer: Producer) -> str:
    return f"producer-{producer.code}"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _ensure_page(producer: Producer) -> ProducerPage:
    page = ProducerPage.objects.filter(producer=producer).first()
    if page is not None:
        return page
    index = ProducersIndexPage.objects.first()
    if index is None:
        raise ProducersIndexMissing("Create the producers index page before adding producers.")
    # A draft: the township publishes the storefront once its story is written.
    page = ProducerPage(title=producer.name, slug=producer.code, producer=producer, live=False)
    index.add_child(instance=page)
    page.save_revision()
    return page


def ensure_collection(producer: Producer) -> Collection:
    """The image collection of the producer's photos (its members may use it)."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=producer.name).first()
    return collection or root.add_child(name=producer.name)


@transaction.atomic
def provision_producer(producer: Producer) -> ProducerPage:
    """Make sure the producer has its page, group, permissions and members."""
    page = _ensure_page(producer)
    group, _ = Group.objects.get_or_create(name=producer_group_name(producer))
    for codename in MEMBER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_permission("wagtailcore", codename)
        )
    collection = ensure_collection(producer)
    for codename in MEMBER_IMAGE_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission("wagtailimages", codename)
        )

    members = set(producer.memberships.values_list("user_id", flat=True))
    former = set(group.user_set.values_list("pk", flat=True)) - members
    group.user_set.set(members)
    role_group = Group.objects.get(name=roles.PRODUCER_MEMBER)
    role_group.user_set.add(*members)
    still_members = set(
        ProducerMembership.objects.filter(user_id__in=former).values_list("user_id", flat=True)
    )
    role_group.user_set.remove(*(former - still_members))
    return page
