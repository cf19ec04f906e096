"""The admin API's image and document endpoints show what the user may choose, no
more (issue #21): Wagtail's own listed every collection to anyone in the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission
from wagtail.rich_text import features

from core.roles import AID_OFFICER, TOWNSHIP_EDITOR
from tests.factories import ImageFactory
from tests.shop.factories import PrivateDocumentFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db

ENDPOINTS = {"images": ImageFactory, "documents": PrivateDocumentFactory}


@pytest.fixture
def collections():
    root = Collection.get_first_root_node()
    return root.add_child(name="帮扶办"), root.add_child(name="宣传")


@pytest.fixture
def own_collection_only(client, collections):
    """An aid officer whose documents and images are those of one collection."""
    own, _other = collections
    GroupCollectionPermission.objects.filter(group__name=AID_OFFICER).delete()
    group = Group.objects.create(name="帮扶办资料")
    for codename in ("choose_image", "choose_document"):
        GroupCollectionPermission.objects.create(
            group=group, collection=own, permission=Permission.objects.get(codename=codename)
        )
    officer = add_staff(AID_OFFICER)
    officer.groups.add(group)
    client.force_login(officer)
    return client


def listed(client, endpoint: str) -> set[int]:
    response = client.get(f"/admin/api/main/{endpoint}/")
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_user_sees_nothing_of_a_collection_they_may_not_use(
    own_collection_only, collections, endpoint
):
    own, other = collections
    mine, theirs = (ENDPOINTS[endpoint](collection=c) for c in (own, other))

    assert listed(own_collection_only, endpoint) == {mine.pk}
    assert own_collection_only.get(f"/admin/api/main/{endpoint}/{theirs.pk}/").status_code == 404
    assert own_collection_only.get(f"/admin/api/main/{endpoint}/{mine.pk}/").status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_editor_with_the_root_collection_sees_all(client, collections, endpoint):
    client.force_login(add_staff(TOWNSHIP_EDITOR))
    made = {ENDPOINTS[endpoint](collection=c).pk for c in collections}

    assert listed(client, endpoint) == made


def test_rich_text_offers_no_document_links():
    assert "document-link" not in features.get_default_features()
    assert "link" in features.get_default_features()
