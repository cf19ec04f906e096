"""Payout rows record their payee's account when drafted; payout accounts
change only by a request another aid officer approves (issue #16).

Rows drafted before this take the account on the register now (what their
bank file would have carried). Aid officers request and decide changes and
no longer edit producers' payout accounts directly; auditors read requests.
"""

import aid_accounting.households.encryption
import aid_accounting.households.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "aid_officer": ["add_payoutaccountchange", "view_payoutaccountchange"],
    "auditor": ["view_payoutaccountchange"],
}
# Payout accounts are written by approved requests only.
REVOKED = {"aid_officer": ["add_producerpayoutaccount", "change_producerpayoutaccount"]}


def record_accounts(apps, schema_editor):
    PayoutRow = apps.get_model("aid_accounting", "PayoutRow")
    ProducerPayoutAccount = apps.get_model("aid_accounting", "ProducerPayoutAccount")
    for row in PayoutRow.objects.select_related("household").order_by("pk").iterator():
        if row.household_id:
            payee = row.household
            values = (payee.head_name, payee.bank_name, payee.bank_account_number)
        else:
            payee = ProducerPayoutAccount.objects.filter(producer_id=row.producer_id).first()
            values = (
                (payee.holder_name, payee.bank_name, payee.bank_account_number)
                if payee
                else ("", "", "")
            )
        PayoutRow.objects.filter(pk=row.pk).update(
            payee_name=values[0], payee_bank_name=values[1], payee_account_number=values[2]
        )


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="aid_accounting", grants=GRANTS)
    revoke_permissions(apps, app_label="aid_accounting", grants=REVOKED)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="aid_accounting", grants=GRANTS)
    grant_permissions(apps, app_label="aid_accounting", grants=REVOKED)


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0009_history_rules_pools_periods_payouts"),
        ("producers", "0006_portal_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpayoutrow",
            name="payee_name",
            field=models.CharField(default="", max_length=128, verbose_name="户名"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payoutrow",
            name="payee_account_number",
            field=aid_accounting.households.encryption.EncryptedTextField(
                default="", verbose_name="银行账号"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payoutrow",
            name="payee_bank_name",
            field=aid_accounting.households.encryption.EncryptedTextField(
                default="", verbose_name="开户银行"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payoutrow",
            name="payee_name",
            field=models.CharField(default="", max_length=128, verbose_name="户名"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicalpayoutrow",
            name="failure_reason",
            field=models.CharField(blank=True, max_length=255, verbose_name="失败或作废原因"),
        ),
        migrations.AlterField(
            model_name="historicalpayoutrow",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待付款"),
                    ("paid", "已付款"),
                    ("failed", "付款失败"),
                    ("voided", "已作废"),
                ],
                default="pending",
                max_length=8,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="payoutrow",
            name="failure_reason",
            field=models.CharField(blank=True, max_length=255, verbose_name="失败或作废原因"),
        ),
        migrations.AlterField(
            model_name="payoutrow",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待付款"),
                    ("paid", "已付款"),
                    ("failed", "付款失败"),
                    ("voided", "已作废"),
                ],
                default="pending",
                max_length=8,
                verbose_name="状态",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalPayoutAccountChange",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("holder_name", models.CharField(blank=True, max_length=128, verbose_name="户名")),
                (
                    "masked_before",
                    models.CharField(blank=True, max_length=40, verbose_name="原账号"),
                ),
                ("masked_after", models.CharField(max_length=40, verbose_name="新账号")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="说明")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待审核"),
                            ("approved", "已通过"),
                            ("rejected", "已驳回"),
                        ],
                        default="pending",
                        max_length=8,
                        verbose_name="状态",
                    ),
                ),
                (
                    "requested_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="申请时间"
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="审核时间"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核人",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "household",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="aid_accounting.household",
                        verbose_name="帮扶户",
                    ),
                ),
                (
                    "producer",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="producers.producer",
                        verbose_name="生产者",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
            ],
            options={
                "verbose_name": "收款账户变更申请记录",
                "verbose_name_plural": "收款账户变更申请记录",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PayoutAccountChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("holder_name", models.CharField(blank=True, max_length=128, verbose_name="户名")),
                (
                    "bank_name",
                    aid_accounting.households.encryption.EncryptedTextField(
                        verbose_name="开户银行"
                    ),
                ),
                (
                    "bank_account_number",
                    aid_accounting.households.encryption.EncryptedTextField(
                        validators=[
                            aid_accounting.households.validators.validate_bank_account_number
                        ],
                        verbose_name="银行账号",
                    ),
                ),
                (
                    "masked_before",
                    models.CharField(blank=True, max_length=40, verbose_name="原账号"),
                ),
                ("masked_after", models.CharField(max_length=40, verbose_name="新账号")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="说明")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待审核"),
                            ("approved", "已通过"),
                            ("rejected", "已驳回"),
                        ],
                        default="pending",
                        max_length=8,
                        verbose_name="状态",
                    ),
                ),
                (
                    "requested_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="申请时间"
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="审核时间"),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核人",
                    ),
                ),
                (
                    "household",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="account_changes",
                        to="aid_accounting.household",
                        verbose_name="帮扶户",
                    ),
                ),
                (
                    "producer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="account_changes",
                        to="producers.producer",
                        verbose_name="生产者",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
            ],
            options={
                "verbose_name": "收款账户变更申请",
                "verbose_name_plural": "收款账户变更申请",
                "ordering": ["-requested_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("household__isnull", False), ("producer__isnull", True)),
                            models.Q(("household__isnull", True), ("producer__isnull", False)),
                            _connector="OR",
                        ),
                        name="payout_account_change_one_payee",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by__isnull", True),
                            models.Q(("decided_by", models.F("requested_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="payout_account_change_decided_by_another_officer",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("household",),
                        name="one_pending_account_change_per_household",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("producer",),
                        name="one_pending_account_change_per_producer",
                    ),
                ],
            },
        ),
        migrations.RunPython(record_accounts, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
