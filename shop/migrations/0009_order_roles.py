from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    # The township editors run the shop: orders, refunds, offline sales.
    "township_editor": ["view_order", "refund_order", "record_offline_payment"],
    "aid_officer": ["view_order"],
    "auditor": ["view_order"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("shop")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for group_name, codenames in GRANTS.items():
        Group.objects.get(name=group_name).permissions.add(
            *Permission.objects.filter(content_type__app_label="shop", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_order_permissions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
