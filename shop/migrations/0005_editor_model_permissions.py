from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

EDITOR_MODELS = {
    "shop": ["category", "productvariant", "productcertificate"],
    "producers": ["producer", "village", "producermembership", "producercertificate"],
}
AUDITOR_MODELS = {"shop": ["category", "productvariant"], "producers": ["producer", "village"]}


def grants(app_label: str) -> dict[str, list[str]]:
    """Township editors keep the catalogue and the producer register; auditors read them."""
    return {
        "township_editor": [
            f"{action}_{model}" for model in EDITOR_MODELS[app_label] for action in ("add", "change", "view")
        ],
        "auditor": [f"view_{model}" for model in AUDITOR_MODELS[app_label]],
    }


def grant(apps, schema_editor):
    for app_label in EDITOR_MODELS:
        grant_permissions(apps, app_label=app_label, grants=grants(app_label))


def revoke(apps, schema_editor):
    for app_label in EDITOR_MODELS:
        revoke_permissions(apps, app_label=app_label, grants=grants(app_label))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_certificates"),
        ("producers", "0004_certificates"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
