from django.db import migrations, models
from django.db.models import F


def book_at_real_time(apps, schema_editor):
    # Until now every accrual and reversal was booked at its real time.
    apps.get_model("aid_accounting", "LineAccrual").objects.update(booked_at=F("accrued_at"))
    apps.get_model("aid_accounting", "AidReversal").objects.update(booked_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0011_payability"),
    ]

    operations = [
        migrations.AddField(
            model_name="lineaccrual",
            name="booked_at",
            field=models.DateTimeField(null=True, verbose_name="记账时间"),
        ),
        migrations.AddField(
            model_name="aidreversal",
            name="booked_at",
            field=models.DateTimeField(null=True, verbose_name="记账时间"),
        ),
        migrations.RunPython(book_at_real_time, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="lineaccrual",
            name="booked_at",
            field=models.DateTimeField(db_index=True, verbose_name="记账时间"),
        ),
        migrations.AlterField(
            model_name="aidreversal",
            name="booked_at",
            field=models.DateTimeField(db_index=True, verbose_name="记账时间"),
        ),
        migrations.AlterField(
            model_name="lineaccrual",
            name="accrued_at",
            field=models.DateTimeField(db_index=True, verbose_name="付款时间"),
        ),
        migrations.AddConstraint(
            model_name="lineaccrual",
            constraint=models.CheckConstraint(
                condition=models.Q(("booked_at__gte", models.F("accrued_at"))),
                name="accrual_booked_after_paid",
            ),
        ),
        migrations.AddConstraint(
            model_name="aidreversal",
            constraint=models.CheckConstraint(
                condition=models.Q(("booked_at__gte", models.F("created_at"))),
                name="reversal_booked_after_made",
            ),
        ),
    ]
