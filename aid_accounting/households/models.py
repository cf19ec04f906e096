"""The household register (建档立卡户 and monitored households) with its personal
data encrypted at rest, and the audit log of every time that data was shown in
full (``PersonalDataAccess``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aid_accounting.households import masking
from aid_accounting.households.encryption import EncryptedTextField
from aid_accounting.households.validators import validate_id_number
from producers.models import Village

# Households -------------------------------------------------------------------

# What stands for the head's name once the retention period has passed
# (``privacy.retention``): stored, so it is never translated.
ANONYMISED_NAME = "已匿名"

# The change reason of the history record an anonymisation writes;
# ``audit.trail`` labels it.
PERSONAL_DATA_ANONYMISED = "personal_data_anonymised"


class HouseholdQuerySet(models.QuerySet):
    def eligible_q(self) -> Q:
        return Q(status__in=Household.ELIGIBLE_STATUSES)

    def eligible(self) -> "HouseholdQuerySet":
        """Households that share in aid distributions."""
        return self.filter(self.eligible_q())


class Household(models.Model):
    """A registered poor household (建档立卡户) or a monitored one (监测户).

    ID number, phone and bank account are personal data: encrypted at rest,
    left out of the change history, shown masked; the full values only through
    ``personal_data.reveal_personal_data``, which checks the role and writes the
    audit log.
    """

    class Kind(models.TextChoices):
        REGISTERED_POOR = "registered_poor", _("建档立卡户")
        MONITORED = "monitored", _("监测户")

    class Status(models.TextChoices):
        ACTIVE = "active", _("帮扶中")
        LIFTED_OUT = "lifted_out", _("已脱贫")
        RISK_ELIMINATED = "risk_eliminated", _("风险已消除")
        REMOVED = "removed", _("已退出")

    # Lifted-out households keep their aid through the transition period
    # (摘帽不摘政策); a monitored household whose risk is eliminated, or one
    # removed from the register, no longer shares in distributions.
    ELIGIBLE_STATUSES = (Status.ACTIVE, Status.LIFTED_OUT)
    PERSONAL_FIELDS = ("id_number", "phone", "bank_name", "bank_account_number")

    registration_number = models.CharField(_("登记编号"), max_length=40, unique=True)
    head_name = models.CharField(_("户主"), max_length=32)
    member_count = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    village = models.ForeignKey(
        Village, verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="households"
    )
    kind = models.CharField(
        _("类别"), max_length=16, choices=Kind.choices, default=Kind.REGISTERED_POOR
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    helper_cadre = models.CharField(_("帮扶责任人"), max_length=32, blank=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True, validators=[validate_id_number])
    phone = EncryptedTextField(_("联系电话"), blank=True)
    bank_name = EncryptedTextField(_("开户银行"), blank=True)
    bank_account_number = EncryptedTextField(_("银行账号"), blank=True)
    # When the household was removed from the register (set by ``save``): the
    # retention period of its personal data runs from it (docs/privacy.md).
    left_register_at = models.DateTimeField(_("退出登记时间"), null=True, blank=True)
    anonymised_at = models.DateTimeField(
        _("个人信息匿名化时间"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(
        excluded_fields=list(PERSONAL_FIELDS),
        verbose_name=_("帮扶户变更记录"),
        verbose_name_plural=_("帮扶户变更记录"),
    )
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["registration_number"]
        verbose_name = _("帮扶户")
        verbose_name_plural = _("帮扶户")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_count__gte=1),
                name="household_has_members",
                violation_error_message=_("家庭人口至少为1人。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="lifted_out") | Q(kind="registered_poor"),
                name="household_only_registered_poor_lift_out",
                violation_error_message=_("只有建档立卡户可以标记为已脱贫。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="risk_eliminated") | Q(kind="monitored"),
                name="household_only_monitored_eliminate_risk",
                violation_error_message=_("只有监测户可以标记为风险已消除。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.masked_head_name}"

    def save(self, *args, **kwargs):
        # However the status changes (the edit form, the import), leaving dates
        # the departure and coming back clears it.
        if self.status == self.Status.REMOVED and self.left_register_at is None:
            self.left_register_at = timezone.now()
        elif self.status != self.Status.REMOVED:
            self.left_register_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "left_register_at"}
        super().save(*args, **kwargs)

    @property
    def masked_head_name(self) -> str:
        # The placeholder is no one's name (and the close loads the name alone).
        if self.head_name == ANONYMISED_NAME:
            return self.head_name
        return masking.mask_name(self.head_name)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_bank_account(self) -> str:
        return masking.mask_bank_account(self.bank_account_number)


class PersonalDataAccess(models.Model):
    """Audit log: one row for each time someone saw or exported full personal
    data, of a household or of a producer's payout account."""

    class Purpose(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    fields = models.JSONField(_("字段"))
    purpose = models.CharField(_("用途"), max_length=8, choices=Purpose.choices)
    # What the officer stated the data was needed for (an export asks for it).
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    accessed_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, producer__isnull=True)
                | Q(household__isnull=True, producer__isnull=False),
                name="personal_data_access_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = self.household.registration_number if self.household_id else self.producer.code
        return f"{self.user} {self.get_purpose_display()} {subject}"
