"""The outbox: every message the shop owes, written in the transaction that owes it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    """One message to one recipient. Its ``key`` names why it is owed (for example
    ``order:42:paid:sms:13800138000``): owing it again is a no-op, so a retried
    cause never sends twice. The text is rendered when the message is owed, so the
    relay needs nothing but this row."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    key = models.CharField(_("键"), max_length=200, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=255, blank=True)
    body = models.TextField(_("正文"), blank=True)
    sms_template = models.CharField(_("短信模板"), max_length=64, blank=True)
    sms_params = models.JSONField(_("短信参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("服务商编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("retry_outboundmessage", _("可以重发失败的消息")),
            ("view_full_recipient", _("可以查看完整收件人")),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(channel="email", sms_template="")
                    | models.Q(channel="sms", subject="", body="") & ~models.Q(sms_template="")
                ),
                name="outbox_fields_match_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.key
