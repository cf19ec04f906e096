import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from core.mobile import normalize_mobile, validate_mobile


class Village(models.Model):
    """A village of the township. Poor villages are province-designated (省定贫困村);
    key villages (重点村) are those whose households benefit from aid pools."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("村名"), max_length=64, unique=True)
    township = models.CharField(_("乡镇"), max_length=64, default="刘垓子镇")
    is_poor_village = models.BooleanField(_("省定贫困村"), default=False)
    is_key_village = models.BooleanField(_("电商帮扶重点村"), default=False)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("村")
        verbose_name_plural = _("村")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_key_village=False) | models.Q(is_poor_village=True),
                name="key_village_is_poor_village",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Producer(ClusterableModel):
    """The business entity behind a storefront: a cooperative, workshop, household or company."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("党支部领办合作社")
        WORKSHOP = "workshop", _("扶贫车间")
        HOUSEHOLD = "household", _("农户")
        COMPANY = "company", _("企业")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    village = models.ForeignKey(
        Village, verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="producers"
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("营业中"), default=True)

    class InvoiceIssuer(models.TextChoices):
        TOWNSHIP = "township", _("镇里代开")
        PRODUCER = "producer", _("生产者自行开具")

    # Who records this producer's 发票: most villagers' cooperatives have no
    # tax-control device, so the township issues for them unless told otherwise.
    invoice_issuer = models.CharField(
        _("发票开具方"),
        max_length=16,
        choices=InvoiceIssuer.choices,
        default=InvoiceIssuer.TOWNSHIP,
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ProducerMembership",
        related_name="producers",
        verbose_name=_("成员"),
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("code"), FieldPanel("kind"), FieldPanel("village")],
            heading=_("基本信息"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_name"),
                FieldPanel("contact_phone"),
                FieldPanel("is_active"),
                FieldPanel("invoice_issuer"),
            ],
            heading=_("联系方式"),
        ),
        InlinePanel("memberships", heading=_("可代表该生产者操作的人"), label=_("成员")),
        InlinePanel("certificates", heading=_("扶贫产品认定"), label=_("认定证书")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("生产者")
        verbose_name_plural = _("生产者")

    def __str__(self) -> str:
        return self.name


class CertificateQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "CertificateQuerySet":
        return self.filter(valid_from__lte=day, valid_to__gte=day)


class Certificate(models.Model):
    """A poverty-alleviation product certificate (扶贫产品认定). Its badge shows
    only between ``valid_from`` and ``valid_to``, both inclusive."""

    number = models.CharField(_("证书编号"), max_length=64)
    issuing_body = models.CharField(_("认定机构"), max_length=128)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))

    objects = CertificateQuerySet.as_manager()

    panels = [
        FieldPanel("number"),
        FieldPanel("issuing_body"),
        FieldPanel("valid_from"),
        FieldPanel("valid_to"),
    ]

    class Meta:
        abstract = True
        ordering = ["-valid_to"]

    def __str__(self) -> str:
        return f"{self.issuing_body} {self.number}"


class ProducerCertificate(Certificate):
    producer = ParentalKey(Producer, on_delete=models.CASCADE, related_name="certificates")

    class Meta(Certificate.Meta):
        verbose_name = _("生产者认定证书")
        verbose_name_plural = _("生产者认定证书")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="producer_certificate_period_ordered",
            )
        ]


class ProducerMembership(models.Model):
    """Who may act for a producer: its own people, or a cadre (帮扶干部) who lists for villagers."""

    class Role(models.TextChoices):
        MEMBER = "member", _("成员")
        CADRE = "cadre", _("帮扶干部")

    producer = ParentalKey(Producer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_memberships"
    )
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    panels = [FieldPanel("user"), FieldPanel("role")]

    class Meta:
        verbose_name = _("生产者成员")
        verbose_name_plural = _("生产者成员")
        constraints = [
            models.UniqueConstraint(fields=["producer", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.producer}"


class MemberProfile(models.Model):
    """What the producer portal knows of a person beyond the account: the
    mobile number they log in with (many villagers have no e-mail)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_profile"
    )
    mobile = models.CharField(
        _("手机号码"), max_length=11, unique=True, validators=[validate_mobile]
    )
    # One message each morning listing the open work, instead of one per paid order.
    daily_digest = models.BooleanField(
        _("每天早上汇总通知"),
        default=False,
        help_text=_("选中后，新订单不再逐单通知，每天早上7:30发一条汇总。"),
    )

    panels = [FieldPanel("user"), FieldPanel("mobile"), FieldPanel("daily_digest")]

    class Meta:
        verbose_name = _("成员手机号")
        verbose_name_plural = _("成员手机号")

    def __str__(self) -> str:
        return f"{self.user} · {self.mobile}"

    def save(self, *args, **kwargs):
        self.mobile = normalize_mobile(self.mobile)
        super().save(*args, **kwargs)


class PortalActivity(models.Model):
    """One thing done in the producer portal: who did it, for which producer
    (a cadre acts for several), and what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="portal_activities",
    )
    producer = models.ForeignKey(
        Producer,
        verbose_name=_("代表的生产者"),
        on_delete=models.CASCADE,
        related_name="portal_activities",
    )
    action = models.CharField(_("操作"), max_length=32)
    summary = models.CharField(_("内容"), max_length=255)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("门户操作记录")
        verbose_name_plural = _("门户操作记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} @ {self.producer}: {self.summary}"


def join_relations(page: Page, *, fields: tuple[str, ...]) -> None:
    """Load the page's foreign keys ``fields`` ("producer__village" for the
    producer and its village) in one query, instead of one each as its template
    reaches them; nothing when the page was read with them (by its route). A
    preview's draft may point elsewhere than the saved row: those relations load
    as usual."""
    direct = [field.split("__")[0] for field in fields]
    if all(page._meta.get_field(name).is_cached(page) for name in direct):
        return
    saved = type(page).objects.select_related(*fields).filter(pk=page.pk).first()
    if saved is None:
        return
    for name in direct:
        if getattr(saved, f"{name}_id") == getattr(page, f"{name}_id"):
            setattr(page, name, getattr(saved, name))


class ProducersIndexPage(Page):
    intro = models.TextField(_("导语"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["shop.HomePage"]
    subpage_types = ["producers.ProducerPage"]
    max_count = 1

    class Meta:
        verbose_name = _("生产者目录页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["producer_pages"] = (
            ProducerPage.objects.live().child_of(self).select_related("producer__village", "image")
        )
        return context


class ProducerPage(Page):
    """The public story and storefront of one producer; its products are its children."""

    producer = models.OneToOneField(
        Producer, verbose_name=_("生产者"), on_delete=models.PROTECT, related_name="page"
    )
    intro = models.CharField(_("一句话介绍"), max_length=200, blank=True)
    story = RichTextField(_("故事"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("producer"), FieldPanel("intro")], heading=_("生产者")),
        FieldPanel("image"),
        FieldPanel("story"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("story")]
    parent_page_types = ["producers.ProducersIndexPage"]
    subpage_types = ["shop.ProductPage"]

    class Meta:
        verbose_name = _("生产者页面")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        join_relations(self, fields=("producer__village", "image"))
        context["valid_certificates"] = self.producer.certificates.valid_on(timezone.localdate())
        return context
