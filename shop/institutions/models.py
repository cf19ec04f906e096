"""Buying units (单位采购): unions, canteens and government units that buy for
their members or their kitchens. A unit is an account of its own, with members
who may order in its name; its orders carry the unit and the budget year they
are charged to, which the unit's invoices and its yearly aid certificate read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from shop.institutions.validators import validate_tax_number


class BuyingUnit(ClusterableModel):
    class Kind(models.TextChoices):
        UNION = "union", _("工会")
        CANTEEN = "canteen", _("食堂")
        AGENCY = "agency", _("机关事业单位")
        ENTERPRISE = "enterprise", _("企业")
        OTHER = "other", _("其他单位")

    name = models.CharField(_("单位名称"), max_length=128, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    invoice_title = models.CharField(_("发票抬头"), max_length=128)
    tax_number = models.CharField(
        _("纳税人识别号"),
        max_length=20,
        blank=True,
        validators=[validate_tax_number],
        help_text=_("18位统一社会信用代码；单位申请发票时必填。"),
    )
    # A unit that stops buying keeps its orders, invoices and certificates;
    # its members can no longer order in its name.
    is_active = models.BooleanField(_("可以下单"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="UnitMembership",
        related_name="buying_units",
        verbose_name=_("成员"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("invoice_title"),
        FieldPanel("tax_number"),
        FieldPanel("is_active"),
        InlinePanel("memberships", heading=_("可以单位名义下单的人"), label=_("成员")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("采购单位")
        verbose_name_plural = _("采购单位")

    def __str__(self) -> str:
        return self.name


class UnitMembership(models.Model):
    """A person who may order in a unit's name; a manager also keeps its members."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("管理员")
        MEMBER = "member", _("成员")

    unit = ParentalKey(BuyingUnit, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships"
    )
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    added_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("user"), FieldPanel("role")]

    class Meta:
        ordering = ["unit", "user"]
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="one_membership_per_unit_user")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"
