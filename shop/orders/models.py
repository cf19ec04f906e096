from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords
from wagtail.admin.panels import FieldPanel

from core.mobile import validate_mobile
from producers.models import Producer
from shop.catalogue.models import Category, ProductVariant
from shop.institutions.models import BuyingUnit
from shop.orders.regions import PROVINCE_CHOICES


class Cart(models.Model):
    """A buyer's cart: by account when signed in, else by an id kept in the
    guest's session. A guest's cart is merged into the account's on sign-in
    (shop.orders.cart.merge_guest_cart)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("购物车")

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_cart_line_per_variant"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="cart_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} × {self.quantity}"


class NotifyBy(models.TextChoices):
    """How a buyer wants to hear about their orders (e-mail only where there is an address)."""

    BOTH = "both", _("短信和邮件")
    SMS = "sms", _("只发短信")
    EMAIL = "email", _("只发邮件")


class BuyerProfile(models.Model):
    """What a buyer account holds beyond log-in: a mobile number and the
    invoice details an individual's 发票 requests start from (a unit's are the
    unit's own: shop.institutions)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_profile"
    )
    mobile = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[validate_mobile]
    )
    invoice_title = models.CharField(_("发票抬头"), max_length=128, blank=True)
    tax_number = models.CharField(_("纳税人识别号"), max_length=20, blank=True)
    notify_by = models.CharField(
        _("订单通知方式"), max_length=8, choices=NotifyBy.choices, default=NotifyBy.BOTH
    )

    class Meta:
        verbose_name = _("买家资料")
        verbose_name_plural = _("买家资料")

    def __str__(self) -> str:
        return str(self.user)


class AddressFields(models.Model):
    recipient = models.CharField(_("收货人"), max_length=32)
    mobile = models.CharField(_("手机号码"), max_length=11, validators=[validate_mobile])
    province = models.CharField(_("省份"), max_length=16, choices=PROVINCE_CHOICES)
    city = models.CharField(_("城市"), max_length=32)
    district = models.CharField(_("区县"), max_length=32)
    street = models.CharField(_("详细地址"), max_length=128)

    class Meta:
        abstract = True

    def address_text(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.street}"


class Address(AddressFields):
    """A saved address of a buyer account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    is_default = models.BooleanField(_("默认地址"), default=False)

    class Meta:
        ordering = ["-is_default", "-pk"]
        verbose_name = _("收货地址")
        verbose_name_plural = _("收货地址")

    def __str__(self) -> str:
        return f"{self.recipient} {self.address_text()}"


class ShippingPolicy(models.Model):
    """A producer's shipping terms: a flat fee per order, waived above a
    threshold, and the provinces a fresh-produce producer cannot reach."""

    producer = models.OneToOneField(
        Producer, on_delete=models.CASCADE, related_name="shipping_policy"
    )
    flat_fee_fen = models.PositiveIntegerField(_("运费（分）"), default=1000)
    free_over_fen = models.PositiveIntegerField(
        _("包邮门槛（分）"),
        null=True,
        blank=True,
        help_text=_("商品金额达到此数免运费；留空则不包邮。"),
    )
    excluded_provinces = models.JSONField(
        _("不发货地区"),
        default=list,
        blank=True,
        help_text=_('省份名称列表，如 ["新疆维吾尔自治区"]。'),
    )

    panels = [
        FieldPanel("producer"),
        FieldPanel("flat_fee_fen"),
        FieldPanel("free_over_fen"),
        FieldPanel("excluded_provinces"),
    ]

    history = HistoricalRecords(
        verbose_name=_("运费规则变更记录"), verbose_name_plural=_("运费规则变更记录")
    )

    class Meta:
        verbose_name = _("运费规则")
        verbose_name_plural = _("运费规则")

    def __str__(self) -> str:
        return str(self.producer)


class Order(AddressFields):
    """One purchase, paid once, fulfilled as one shipment per producer.

    The status changes only through ``shop.orders.lifecycle`` (the FSM transitions
    below raise on an illegal move). Refunds do not change the fulfilment
    status until the whole order is refunded; ``refunded_fen`` tells partial
    refunds.
    """

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待付款")
        PAID = "paid", _("已付款")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已送达")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        REFUNDED = "refunded", _("已全额退款")

    class Channel(models.TextChoices):
        ONLINE = "online", _("线上")
        OFFLINE = "offline", _("线下（单位采购、集市）")

    # Orders reference nothing an editor would look up "usage" of, and are
    # saved several times in their life: keep them out of Wagtail's index.
    wagtail_reference_index_ignore = True

    number = models.CharField(_("订单号"), max_length=24, unique=True)
    # The checkout form's one-time token: a resubmitted or retried checkout
    # finds the order it made instead of placing another.
    checkout_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("买家账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    # An order placed in a unit's name by one of its members, charged to the
    # unit's budget year (its invoices and yearly certificate read both).
    buying_unit = models.ForeignKey(
        BuyingUnit,
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    budget_year = models.PositiveSmallIntegerField(_("预算年度"), null=True, blank=True)
    # Empty for a guest who gave only a mobile number (the order's, below).
    email = models.EmailField(_("电子邮箱"), blank=True)
    # The language the buyer ordered in: their e-mails are written in it.
    language = models.CharField(
        _("语言"), max_length=16, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    status = FSMField(_("状态"), default=Status.AWAITING_PAYMENT, choices=Status.choices)
    # A guest's choice at checkout; an account's orders follow its profile.
    notify_by = models.CharField(
        _("通知方式"), max_length=8, choices=NotifyBy.choices, default=NotifyBy.BOTH
    )
    channel = models.CharField(
        _("渠道"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    gateway = models.CharField(_("支付方式"), max_length=16)
    invoice_title = models.CharField(_("发票抬头"), max_length=128, blank=True)
    tax_number = models.CharField(_("纳税人识别号"), max_length=20, blank=True)
    subtotal_fen = models.PositiveBigIntegerField(_("商品金额（分）"))
    shipping_fen = models.PositiveBigIntegerField(_("运费（分）"))
    total_fen = models.PositiveBigIntegerField(_("应付金额（分）"))
    refunded_fen = models.PositiveBigIntegerField(_("已退款（分）"), default=0)
    needs_review = models.BooleanField(_("待人工核查"), default=False)
    review_reason = models.CharField(_("核查原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("付款截止"))
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        permissions = [
            ("refund_order", _("可以办理退款")),
            ("record_offline_payment", _("可以登记线下收款和线下销售")),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
            models.Index(fields=["paid_at"], name="order_paid_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_fen=models.F("subtotal_fen") + models.F("shipping_fen")),
                name="order_total_is_subtotal_plus_shipping",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_fen__lte=models.F("total_fen")),
                name="order_refund_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(buying_unit__isnull=True, budget_year__isnull=True)
                | models.Q(buying_unit__isnull=False, budget_year__isnull=False),
                name="unit_order_has_budget_year",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_partially_refunded(self) -> bool:
        return 0 < self.refunded_fen < self.total_fen

    # Transitions: called only by shop.orders.lifecycle, which locks the row, records
    # an OrderEvent and announces shop.events.

    @transition(field=status, source=Status.AWAITING_PAYMENT, target=Status.PAID)
    def pay(self):
        pass

    @transition(field=status, source=Status.AWAITING_PAYMENT, target=Status.CANCELLED)
    def cancel(self):
        pass

    # Money that arrives after the order expired: shop.orders.lifecycle takes the stock again first.
    @transition(field=status, source=Status.CANCELLED, target=Status.PAID)
    def pay_after_expiry(self):
        pass

    @transition(field=status, source=Status.PAID, target=Status.SHIPPED)
    def ship(self):
        pass

    @transition(field=status, source=Status.SHIPPED, target=Status.DELIVERED)
    def deliver(self):
        pass

    @transition(field=status, source=Status.DELIVERED, target=Status.COMPLETED)
    def complete(self):
        pass

    @transition(
        field=status,
        source=[Status.PAID, Status.SHIPPED, Status.DELIVERED, Status.COMPLETED],
        target=Status.REFUNDED,
    )
    def refund_fully(self):
        pass


class Shipment(models.Model):
    """The part of an order one producer ships, with its own carrier and tracking number."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发货")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已送达")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="shipments")
    status = FSMField(_("状态"), default=Status.PENDING, choices=Status.choices)
    shipping_fen = models.PositiveBigIntegerField(_("运费（分）"))
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=40, blank=True)
    # Set at payment from the lines' categories (shop.orders.fulfilment.set_ship_by).
    ship_by = models.DateField(_("最晚发货日"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        constraints = [
            models.UniqueConstraint(fields=["order", "producer"], name="one_shipment_per_producer")
        ]

    def __str__(self) -> str:
        return f"{self.order.number} · {self.producer}"

    @transition(field=status, source=Status.PENDING, target=Status.SHIPPED)
    def ship(self):
        pass

    @transition(field=status, source=Status.SHIPPED, target=Status.DELIVERED)
    def deliver(self):
        pass


class OrderLine(models.Model):
    """What was bought, with the price and the return terms as they were at
    the time of purchase (later catalogue edits never change past orders)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="order_lines"
    )
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="order_lines")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="order_lines")
    product_title = models.CharField(_("商品"), max_length=255)
    variant_name = models.CharField(_("规格"), max_length=64)
    unit_price_fen = models.PositiveIntegerField(_("单价（分）"))
    quantity = models.PositiveIntegerField(_("数量"))
    total_fen = models.PositiveBigIntegerField(_("金额（分）"))
    refunded_quantity = models.PositiveIntegerField(_("已退数量"), default=0)
    refunded_fen = models.PositiveBigIntegerField(_("已退金额（分）"), default=0)
    return_policy = models.CharField(
        _("退货规则"), max_length=16, choices=Category.ReturnPolicy.choices
    )
    return_window_days = models.PositiveSmallIntegerField(_("退货期（天）"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("订单明细")
        verbose_name_plural = _("订单明细")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(total_fen=models.F("unit_price_fen") * models.F("quantity")),
                name="line_total_is_price_times_quantity",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_quantity__lte=models.F("quantity"))
                & models.Q(refunded_fen__lte=models.F("total_fen")),
                name="line_refund_within_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_title} · {self.variant_name} × {self.quantity}"

    @property
    def net_fen(self) -> int:
        """Revenue the line keeps after refunds: what aid is computed on."""
        return self.total_fen - self.refunded_fen


class OrderEvent(models.Model):
    """The order's history: every transition and notable act, with who did it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("订单记录")
        verbose_name_plural = _("订单记录")

    # What staff read for each kind the order services record (``kind`` stays a
    # free code, so a kind missing here shows as its code).
    KIND_LABELS = {
        "placed": _("下单"),
        "paid": _("付款"),
        "cancelled": _("取消"),
        "expired": _("超时取消"),
        "shipped": _("发货"),
        "delivered": _("签收"),
        "completed": _("完成"),
        "flagged_for_review": _("待人工核查"),
        "payment_not_honoured": _("付款未到账"),
        "refund_requested": _("申请退款"),
        "refund_succeeded": _("退款成功"),
        "refund_failed": _("退款失败"),
        "refunded": _("已退款"),
        "surplus_refund_requested": _("申请退还多收款项"),
        "surplus_refund_succeeded": _("多收款项退还成功"),
        "surplus_refunded": _("已退还多收款项"),
    }

    def __str__(self) -> str:
        return f"{self.order.number}: {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(self.KIND_LABELS.get(self.kind, self.kind))

    @property
    def to_status_label(self) -> str:
        labels = dict(Order.Status.choices)
        return str(labels.get(self.to_status, self.to_status))
