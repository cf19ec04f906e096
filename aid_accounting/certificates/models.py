"""Yearly aid certificates of buying units (单位年度帮扶证明); written by
``certificates.issue`` only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AidCertificate(models.Model):
    """What a buying unit's purchases charged to one budget year did, as the
    ledger said when the certificate was issued: ``figures`` (``figures.unit_year``)
    and the SHA-256 of their canonical JSON. Never changed once written: a later
    refund makes the next certificate a new row, and the verification page tells
    this one's holder that it no longer matches."""

    unit = models.ForeignKey(
        "shop.BuyingUnit",
        verbose_name=_("采购单位"),
        on_delete=models.PROTECT,
        related_name="aid_certificates",
    )
    year = models.PositiveSmallIntegerField(_("预算年度"))
    # In the public URL: random, unguessable (``secrets.token_urlsafe``).
    code = models.CharField(_("证明编号"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    figures = models.JSONField(_("数据"))
    digest = models.CharField(_("数据摘要（SHA-256）"), max_length=64)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("单位帮扶证明")
        verbose_name_plural = _("单位帮扶证明")
        indexes = [models.Index(fields=["unit", "year", "digest"], name="certificate_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} · {self.code}"
