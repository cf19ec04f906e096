"""Documents are private (issue #21): an editor's uploaded CSV, with an ID number in
it, reaches staff who may use its collection, and no one else, by any address."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission

from core.roles import AID_OFFICER
from tests.factories import UserFactory
from tests.shop.conftest import portal_member
from tests.shop.factories import PrivateDocumentFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db

ID_NUMBER = b"110101199003074578"


@pytest.fixture
def uploaded(staff):
    """A CSV the township editor uploaded through the admin's document form."""
    return PrivateDocumentFactory(uploaded_by_user=staff)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def officer_without_documents():
    """An aid officer whose role holds no document permission. Wagtail's migration
    that made choosing a permission gave it to every admin group, on the root."""
    GroupCollectionPermission.objects.filter(
        group__name=AID_OFFICER, permission__content_type__app_label="wagtaildocs"
    ).delete()
    return add_staff(AID_OFFICER)


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["anonymous", "buyer", "producer member", "aid officer"])
def test_no_one_without_the_collections_document_permission_gets_the_file(client, uploaded, who):
    user = {
        "anonymous": lambda: None,
        "buyer": UserFactory,
        "producer member": lambda: portal_member().user,
        "aid officer": officer_without_documents,
    }[who]()
    as_user(client, user)

    by_key = client.get(uploaded.url)
    by_id = client.get(f"/documents/{uploaded.pk}/{uploaded.filename}")

    assert (by_key.status_code, by_id.status_code) == (404, 404)
    assert ID_NUMBER not in by_key.content + by_id.content


def test_an_editor_downloads_it_as_an_attachment_kept_by_no_cache(client, uploaded, staff):
    client.force_login(staff)

    response = client.get(uploaded.url)

    assert response.status_code == 200
    assert ID_NUMBER in body(response)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_the_address_holds_a_random_key_and_the_stored_name_a_random_folder(uploaded):
    other = PrivateDocumentFactory()

    assert uploaded.url == f"/documents/{uploaded.key}/%E5%90%8D%E5%8D%95.csv"  # 名单.csv
    assert uploaded.key != other.key
    folder, other_folder = (d.file.name.split("/")[1] for d in (uploaded, other))
    assert len(folder) == 32 and folder != other_folder


def test_a_wrong_file_name_or_key_finds_nothing(client, uploaded, staff):
    client.force_login(staff)

    assert client.get(f"/documents/{uploaded.key}/other.csv").status_code == 404
    assert (
        client.get(f"/documents/{PrivateDocumentFactory.build().key}/名单.csv").status_code == 404
    )


def test_staff_download_only_from_collections_they_may_use(client):
    root = Collection.get_first_root_node()
    own, other = root.add_child(name="帮扶办"), root.add_child(name="宣传")
    group = Group.objects.create(name="帮扶办文档")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=own,
        permission=Permission.objects.get(codename="choose_document"),
    )
    officer = officer_without_documents()
    officer.groups.add(group)
    client.force_login(officer)

    assert client.get(PrivateDocumentFactory(collection=own).url).status_code == 200
    assert client.get(PrivateDocumentFactory(collection=other).url).status_code == 404


def test_a_collection_permission_without_a_staff_role_gets_nothing(client, uploaded):
    """Documents are staff's files: a group granting documents to someone outside the
    staff roles (a misconfiguration) still shows them nothing."""
    group = Group.objects.create(name="文档")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(codename="choose_document"),
    )
    outsider = UserFactory()
    outsider.groups.add(group)
    client.force_login(outsider)

    assert client.get(uploaded.url).status_code == 404
