"""A buyer's log-in number and the codes that open a guest's order."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.mobile import validate_mobile
from shop.orders.models import Order


class BuyerPhone(models.Model):
    """The mobile number a buyer logs in with. Unlike ``BuyerProfile.mobile`` (a
    contact number, anyone's), it is unique once verified: only an SMS code sent
    to it verifies it, and only a verified number logs anyone in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_phone"
    )
    phone = models.CharField(_("手机号码"), max_length=11, validators=[validate_mobile])
    verified = models.BooleanField(_("已验证"), default=False)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录手机号")
        verbose_name_plural = _("登录手机号")
        indexes = [models.Index(fields=["phone"], name="buyer_phone_number")]
        constraints = [
            # Unverified claims may repeat: typing someone else's number must not
            # keep its owner from signing up with it.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(verified=True),
                name="buyer_phone_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.phone


class OrderLookupCode(models.Model):
    """A code sent to an order's mobile number so a guest can open the order
    on another device. Only its keyed hash is stored."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lookup_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("查订单验证码")
        verbose_name_plural = _("查订单验证码")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order.number} {self.created_at:%Y-%m-%d %H:%M}"
