from django.db import migrations

from aid_accounting.ledger import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("aid_accounting", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
