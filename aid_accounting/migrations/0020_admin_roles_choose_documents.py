from django.db import migrations


def grant_choose_documents(apps, schema_editor):
    """Every role that reaches the admin may choose documents in the root collection
    (and so download them, shop.documents.access). Wagtail's own migration
    (wagtaildocs 0011) grants this only to the groups that exist when it runs, so the
    roles got it or not by the order migrations happened to run in: granted here,
    once all the roles exist."""
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    choose = Permission.objects.get(
        content_type__app_label="wagtaildocs", codename="choose_document"
    )
    root = Collection.objects.get(depth=1)
    for group in Group.objects.filter(permissions__codename="access_admin").distinct():
        group.permissions.add(choose)
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=choose
        )


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0019_daily_totals"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(grant_choose_documents, migrations.RunPython.noop)]
