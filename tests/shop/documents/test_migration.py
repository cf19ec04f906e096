"""The migration to private documents moves the documents uploaded before it: same
ids (rich-text links name them by id), a random key, the file in a random folder
and gone from its old /media/ address, the tags along."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from shop.documents.models import PrivateDocument
from tests.shop.factories import PrivateDocumentFactory

GRAPH = MigrationLoader(None, ignore_no_migrations=True).graph
PRIVATE = next(key for key in GRAPH.nodes if key == ("shop", "0017_private_documents"))
(BEFORE,) = (parent.key for parent in GRAPH.node_map[PRIVATE].parents if parent.key[0] == "shop")


def migrate(*targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor


@pytest.fixture
def old_apps():
    """The app registry just before the private documents, the database migrated back
    to it; afterwards forward again to the latest migrations."""
    yield migrate(BEFORE).loader.project_state([BEFORE]).apps
    migrate(*GRAPH.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wagtails_documents_become_private_with_their_ids_tags_and_a_moved_file(old_apps):
    Document = old_apps.get_model("wagtaildocs", "Document")
    Collection = old_apps.get_model("wagtailcore", "Collection")
    old_name = default_storage.save("documents/名单.csv", ContentFile(b"110101199003074578"))
    Document.objects.create(
        pk=7, title="名单", file=old_name, collection=Collection.objects.get(depth=1)
    )
    content_type = old_apps.get_model("contenttypes", "ContentType").objects.get(
        app_label="wagtaildocs", model="document"
    )
    old_apps.get_model("taggit", "TaggedItem").objects.create(
        tag=old_apps.get_model("taggit", "Tag").objects.create(name="户籍", slug="huji"),
        content_type=content_type,
        object_id=7,
    )

    migrate(PRIVATE)

    moved = PrivateDocument.objects.get()
    assert (moved.pk, moved.title, moved.filename) == (7, "名单", "名单.csv")
    assert moved.file.name != old_name and moved.file.read() == b"110101199003074578"
    assert not default_storage.exists(old_name)
    assert list(moved.tags.names()) == ["户籍"]
    assert not Document.objects.exists()
    # New uploads take ids after the moved ones (PostgreSQL's sequence was moved on).
    assert PrivateDocumentFactory().pk > 7
