"""Public notices (公示) of a period's distribution, per village (DESIGN §7 Transparency).

A notice is generated from a closed period, reviewed by an aid officer, then
published. Its rows hold what the public may see and nothing more: the head
of household's name as ``masking.mask_name`` gives it and the amount. The
full name, ID number, phone and account are never copied here, so no page
built from a notice can leak them.

Once published a notice and its rows are frozen: ``save``/``delete`` refuse,
and so does the database (``notices.triggers``). Each published notice stores
a sha256 of its content chained to the previous published notice's hash;
``notices.verify_chain`` recomputes them, so a silent edit is detectable.
Written only by ``aid_accounting.notices.publication``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aid_accounting.households import masking
from aid_accounting.households.models import Household
from producers.models import Village

DEFAULT_WINDOW_DAYS = 7


class NoticeFrozen(Exception):
    """A published notice or one of its rows was about to be changed or deleted."""


class Notice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEWED = "reviewed", _("已审核")
        PUBLISHED = "published", _("已公示")

    village = models.ForeignKey(
        Village, verbose_name=_("村"), on_delete=models.PROTECT, related_name="notices"
    )
    period = models.ForeignKey(
        "aid_accounting.AccountingPeriod",
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    household_count = models.PositiveIntegerField(_("户数"))
    total_fen = models.PositiveBigIntegerField(_("合计（分）"))
    window_days = models.PositiveSmallIntegerField(_("公示天数"), default=DEFAULT_WINDOW_DAYS)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    # Four eyes: whoever generated a notice does not publish it (None: the demo).
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    window_ends = models.DateTimeField(_("公示截止"), null=True, blank=True)
    # Position in the single chain of published notices, 1, 2, 3...; unique, so
    # two publications at once cannot both extend the chain from the same notice.
    sequence = models.PositiveIntegerField(_("公示序号"), null=True, blank=True, unique=True)
    previous_hash = models.CharField(_("上一份公示哈希"), max_length=64, blank=True)
    content_hash = models.CharField(_("内容哈希"), max_length=64, blank=True)

    class Meta:
        ordering = ["-period__start", "village__name"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [
            models.UniqueConstraint(fields=["village", "period"], name="one_notice_per_village"),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(
                    published_at__isnull=False,
                    window_ends__isnull=False,
                    sequence__isnull=False,
                    reviewed_by__isnull=False,
                )
                & ~Q(content_hash="")
                & ~Q(previous_hash=""),
                name="notice_published_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.period.code}"

    def save(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise NoticeFrozen(f"notice {self.pk} is published and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise NoticeFrozen(f"notice {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def window_is_open(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.published_at <= now < self.window_ends

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return Notice.objects.filter(pk=self.pk).values_list("status", flat=True).first()


class NoticeRow(models.Model):
    """One household of a notice: masked name and amount only."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("公示"), on_delete=models.CASCADE, related_name="rows"
    )
    position = models.PositiveIntegerField(_("序号"))
    masked_name = models.CharField(_("户主"), max_length=32)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    # Which household the row is, for holding its payout on an objection; never
    # shown nor hashed. Null on rows generated before it was kept.
    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notice_rows",
    )

    class Meta:
        ordering = ["notice", "position"]
        verbose_name = _("公示明细")
        verbose_name_plural = _("公示明细")
        constraints = [
            models.UniqueConstraint(fields=["notice", "position"], name="notice_row_position"),
            # Masked by construction: a value without the mask character is a full name.
            models.CheckConstraint(
                condition=Q(masked_name__contains=masking.MASK), name="notice_row_name_masked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.masked_name}"

    def save(self, *args, **kwargs):
        if self._notice_published():
            raise NoticeFrozen(f"notice {self.notice_id} is published and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._notice_published():
            raise NoticeFrozen(f"notice {self.notice_id} is published and cannot be changed")
        return super().delete(*args, **kwargs)

    def _notice_published(self) -> bool:
        return Notice.objects.filter(pk=self.notice_id, status=Notice.Status.PUBLISHED).exists()


class NoticeObjection(models.Model):
    """An objection (异议) to a published notice, sent from its page while the
    window is open; listed in the aid officers' hourly digest e-mail, and in the admin.

    It names one row (a household) or, with no row, the whole notice. While
    open or upheld it holds the payout of what it names
    (``payouts.payable``); an aid officer resolves or upholds it with a note.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理（不成立）")
        UPHELD = "upheld", _("成立")

    notice = models.ForeignKey(
        Notice, verbose_name=_("公示"), on_delete=models.PROTECT, related_name="objections"
    )
    row = models.ForeignKey(
        NoticeRow,
        verbose_name=_("公示明细"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    status = models.CharField(
        _("处理状态"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    resolution_note = models.TextField(_("处理说明"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    name = models.CharField(_("姓名"), max_length=32)
    contact = models.CharField(_("联系方式"), max_length=64)
    message = models.TextField(_("异议内容"), max_length=2000)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    # When the officers' digest listed it (notices.mail); empty until then.
    digested_at = models.DateTimeField(_("汇总通知时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolved_by__isnull=True, resolved_at__isnull=True)
                | (
                    ~Q(status="open")
                    & Q(resolved_by__isnull=False, resolved_at__isnull=False)
                    & ~Q(resolution_note="")
                ),
                name="notice_objection_resolved_with_note",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} · {self.created_at:%Y-%m-%d %H:%M}"
