import uuid
from pathlib import PurePath

import django.db.models.deletion
import modelsearch.index
import shop.documents.models
import taggit.managers
import wagtail.models.media
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import migrations, models


def move_documents(apps, schema_editor):
    """Wagtail's documents, if any were uploaded, become private documents with the
    same ids (rich-text links name documents by id) and a random key; each file moves
    to a random folder, so its old /media/ address names nothing."""
    Document = apps.get_model("wagtaildocs", "Document")
    PrivateDocument = apps.get_model("shop", "PrivateDocument")
    ContentType = apps.get_model("contenttypes", "ContentType")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    if not Document.objects.exists():
        return
    moved = []
    for document in Document.objects.order_by("pk"):
        name = document.file.name
        if default_storage.exists(name):
            new_name = f"documents/{uuid.uuid4().hex}/{PurePath(name).name}"
            with default_storage.open(name, "rb") as content:
                new_name = default_storage.save(new_name, content)
            moved.append(name)
            name = new_name
        PrivateDocument.objects.create(
            pk=document.pk,
            title=document.title,
            file=name,
            uploaded_by_user_id=document.uploaded_by_user_id,
            file_size=document.file_size,
            file_hash=document.file_hash,
            collection_id=document.collection_id,
        )
        # created_at is auto_now_add: create() would write today.
        PrivateDocument.objects.filter(pk=document.pk).update(created_at=document.created_at)
    old_type = ContentType.objects.filter(app_label="wagtaildocs", model="document").first()
    new_type, _ = ContentType.objects.get_or_create(app_label="shop", model="privatedocument")
    if old_type is not None:
        TaggedItem.objects.filter(content_type=old_type).update(content_type=new_type)
    Document.objects.all().delete()
    # Rows written with their ids leave PostgreSQL's sequence behind them.
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [PrivateDocument]):
            cursor.execute(sql)
    for name in moved:
        default_storage.delete(name)


def refuse_if_documents(apps, schema_editor):
    if apps.get_model("shop", "PrivateDocument").objects.exists():
        raise RuntimeError("Going back would drop the documents' table: move them first.")


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0016_phone_sign_in'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        ('wagtailcore', '0098_apitoken'),
        ('wagtaildocs', '0014_alter_document_file_size'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PrivateDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=255, verbose_name='title')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('file_size', models.PositiveBigIntegerField(editable=False, null=True)),
                ('file_hash', models.CharField(blank=True, editable=False, max_length=40)),
                ('key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('file', models.FileField(upload_to=shop.documents.models.document_path, verbose_name='文件')),
                ('collection', models.ForeignKey(default=wagtail.models.media.get_root_collection_id, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtailcore.collection', verbose_name='collection')),
                ('tags', taggit.managers.TaggableManager(blank=True, help_text=None, through='taggit.TaggedItem', to='taggit.Tag', verbose_name='tags')),
                ('uploaded_by_user', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='uploaded by user')),
            ],
            options={
                'verbose_name': '文档',
                'verbose_name_plural': '文档',
                'abstract': False,
            },
            bases=(modelsearch.index.Indexed, models.Model),
        ),
        migrations.RunPython(move_documents, refuse_if_documents),
    ]
