from django.db import migrations, models
from django.db.models import F


def mark_existing_digested(apps, schema_editor):
    # Objections stored before the digest were each e-mailed to the officers then.
    NoticeObjection = apps.get_model("aid_accounting", "NoticeObjection")
    NoticeObjection.objects.update(digested_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0015_personal_data_access_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="noticeobjection",
            name="digested_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="汇总通知时间"
            ),
        ),
        migrations.RunPython(mark_existing_digested, migrations.RunPython.noop),
    ]
