"""Aid pools (who benefits) and aid rules (how much of a sale goes to a pool,
in versions valid from a day); rules are written by ``rules.versions`` only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aid_accounting.households.models import Household, HouseholdQuerySet
from producers.models import Village

# Aid rules, pools and periods -------------------------------------------------


class AidPool(models.Model):
    """Who benefits from the aid of the rules that feed this pool (DESIGN §7).

    The beneficiaries are the eligible households, at close time, of the
    pool's key villages plus its named households; each close splits the
    pool's distributable aid among them equally or by household members.
    """

    class Weighting(models.TextChoices):
        EQUAL = "equal", _("按户平均")
        MEMBERS = "members", _("按家庭人口")

    name = models.CharField(_("名称"), max_length=128, unique=True)
    villages = models.ManyToManyField(
        Village,
        verbose_name=_("受益重点村"),
        blank=True,
        related_name="aid_pools",
        limit_choices_to={"is_key_village": True},
    )
    households = models.ManyToManyField(
        Household, verbose_name=_("指定受益户"), blank=True, related_name="aid_pools"
    )
    weighting = models.CharField(
        _("分配方式"), max_length=8, choices=Weighting.choices, default=Weighting.EQUAL
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    # With the villages and named households: who benefits is what changes.
    history = HistoricalRecords(
        m2m_fields=[villages, households],
        verbose_name=_("帮扶资金池变更记录"),
        verbose_name_plural=_("帮扶资金池变更记录"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("帮扶资金池")
        verbose_name_plural = _("帮扶资金池")

    def __str__(self) -> str:
        return self.name

    def beneficiaries(self) -> HouseholdQuerySet:
        """The households a close made now would pay: eligible, and in a key
        village of the pool or named by it. Subqueries, not joins, so each
        household comes once."""
        key_villages = self.villages.filter(is_key_village=True).values("pk")
        named = self.households.values("pk")
        return Household.objects.eligible().filter(Q(village_id__in=key_villages) | Q(pk__in=named))


class AidRule(models.Model):
    """One version of an aid rule (带贫益贫机制) for a producer, or for one of
    its products, which then overrides the producer's rule.

    Versions are written only by ``aid_accounting.rules.versions.set_rule``: a new
    version closes the previous one (its ``valid_to``) and links to it; nothing
    else of a version ever changes, and each accrued line keeps the version it
    used, so a later edit never changes past sales. ``valid_from`` and
    ``valid_to`` are local dates, both inclusive.
    """

    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        on_delete=models.PROTECT,
        related_name="aid_rules",
    )
    product = models.ForeignKey(
        "shop.ProductPage",
        verbose_name=_("商品"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_rules",
        help_text=_("留空则适用于该生产者的全部商品"),
    )
    pool = models.ForeignKey(
        AidPool, verbose_name=_("资金池"), on_delete=models.PROTECT, related_name="rules"
    )
    share_bp = models.PositiveIntegerField(
        _("比例（基点）"), default=0, help_text=_("占明细净额的比例，2500 即 25%")
    )
    fixed_fen_per_unit = models.PositiveIntegerField(_("每件固定金额（分）"), default=0)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当日"))
    version = models.PositiveIntegerField(_("版本"))
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    history = HistoricalRecords(
        verbose_name=_("帮扶规则变更记录"), verbose_name_plural=_("帮扶规则变更记录")
    )

    class Meta:
        ordering = ["producer", "product", "-version"]
        verbose_name = _("帮扶规则")
        verbose_name_plural = _("帮扶规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_bp__lte=10_000),
                name="aid_rule_share_at_most_100_percent",
                violation_error_message=_("比例不能超过100%。"),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="aid_rule_valid_to_after_valid_from",
                violation_error_message=_("失效日期不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | Q(version__gt=1, supersedes__isnull=False),
                name="aid_rule_version_chain",
            ),
            # One chain of versions per scope; concurrent editors collide here.
            models.UniqueConstraint(
                fields=["producer", "version"],
                condition=Q(product__isnull=True),
                name="aid_rule_one_version_per_producer",
            ),
            models.UniqueConstraint(
                fields=["product", "version"],
                condition=Q(product__isnull=False),
                name="aid_rule_one_version_per_product",
            ),
        ]

    def __str__(self) -> str:
        scope = self.product.title if self.product_id else self.producer.name
        return f"{scope} v{self.version}"

    @property
    def share_percent(self) -> str:
        """2500 → "25%", 1250 → "12.5%"."""
        whole, rest = divmod(self.share_bp, 100)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"
