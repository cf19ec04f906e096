from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MODEL_PERMISSIONS = {
    "shop": ["category", "productvariant", "productcertificate"],
    "producers": ["producer", "village", "producermembership", "producercertificate"],
}
AUDITOR_VIEW = {"shop": ["category", "productvariant"], "producers": ["producer", "village"]}


def grant(apps, schema_editor):
    """Township editors keep the catalogue and the producer register."""
    for app_label in EDITOR_MODEL_PERMISSIONS:
        # Permissions are normally created after all migrations; create them
        # now (the stub app config needs models_module set for that).
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    editors = Group.objects.get(name="township_editor")
    for app_label, models in EDITOR_MODEL_PERMISSIONS.items():
        for model in models:
            editors.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in ("add", "change", "view")],
                )
            )
    auditors = Group.objects.get(name="auditor")
    for app_label, models in AUDITOR_VIEW.items():
        auditors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=[f"view_{m}" for m in models]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_certificates"),
        ("producers", "0004_certificates"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
