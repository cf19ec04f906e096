"""Granting model permissions to the role groups from data migrations.

Django creates permissions after all migrations (post_migrate); a migration
that grants them must create its app's permissions first. The historical app
config has no ``models_module``, which ``create_permissions`` reads as "no
models", hence the flag set around the call."""

from django.contrib.auth.management import create_permissions


def _permissions(apps, app_label: str, group_name: str, codenames: list[str]):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    if permissions.count() != len(codenames):
        raise RuntimeError(f"missing {app_label} permissions for {group_name}: {codenames}")
    return permissions


def grant_permissions(apps, *, app_label: str, grants: dict[str, list[str]]) -> None:
    """Give each group (a role of ``core.roles``) the app's permissions by codename."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group_name, codenames in grants.items():
        Group.objects.get(name=group_name).permissions.add(
            *_permissions(apps, app_label, group_name, codenames)
        )


def revoke_permissions(apps, *, app_label: str, grants: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in grants.items():
        Group.objects.get(name=group_name).permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
