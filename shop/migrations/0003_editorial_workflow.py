from django.db import migrations

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_MEDIA_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image", "delete_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


def set_up_workflow(apps, schema_editor):
    """Product approval is Wagtail's moderation workflow, moderated by the
    township editors. Wagtail's own placeholder groups ("Moderators",
    "Editors") are replaced by the roles of DESIGN §8."""
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Page = apps.get_model("wagtailcore.Page")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    ContentType = apps.get_model("contenttypes.ContentType")

    editors = Group.objects.get(name="township_editor")
    root = Page.objects.get(depth=1)
    for codename in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=editors,
            page=root,
            permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
        )
    root_collection = Collection.objects.get(depth=1)
    for app_label, codenames in EDITOR_MEDIA_PERMISSIONS.items():
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=editors,
                collection=root_collection,
                permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
            )

    Group.objects.filter(name__in=["Moderators", "Editors"]).delete()
    WorkflowPage.objects.all().delete()
    Workflow.objects.all().delete()
    GroupApprovalTask.objects.all().delete()
    apps.get_model("wagtailcore.Task").objects.all().delete()

    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.create(name="镇编辑审核", content_type=task_type, active=True)
    task.groups.set([editors])
    workflow = Workflow.objects.create(name="商品上架审核", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=root)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_create_homepage"),
        ("producers", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(set_up_workflow, migrations.RunPython.noop)]
