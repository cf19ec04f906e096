"""Staff see the outbox: every staff role reads it; those who contact buyers and
villagers (editors, aid officers) see recipients in full and retry failed messages.
Auditors read it with recipients masked."""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "township_editor": ["view_outboundmessage", "retry_outboundmessage", "view_full_recipient"],
    "aid_officer": ["view_outboundmessage", "retry_outboundmessage", "view_full_recipient"],
    "auditor": ["view_outboundmessage"],
}


def grant(apps, schema_editor):
    # The role groups are created by producers' migrations, above this app: made here
    # too if this runs first (producers' migration gets or creates them as well).
    Group = apps.get_model("auth", "Group")
    for name in GRANTS:
        Group.objects.get_or_create(name=name)
    grant_permissions(apps, app_label="messaging", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="messaging", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_outbox"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.AlterModelOptions(
            name="outboundmessage",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("retry_outboundmessage", "可以重发失败的消息"),
                    ("view_full_recipient", "可以查看完整收件人"),
                ],
                "verbose_name": "待发消息",
                "verbose_name_plural": "待发消息",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
