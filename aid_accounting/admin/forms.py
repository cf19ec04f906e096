"""Admin forms of aid accounting. They only read input: the services in
rules.versions, periods.close, payouts.batches and payouts.account_changes
decide and write."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from aid_accounting import calendar
from aid_accounting.exceptions import PeriodError
from aid_accounting.households.validators import validate_bank_account_number
from aid_accounting.payouts.models import (
    PayoutBatch,
    RemovedHouseholdDecision,
)
from aid_accounting.periods import close
from aid_accounting.rules.models import AidPool
from core.money import YuanField
from producers.models import Producer
from shop.catalogue.models import ProductPage


class RuleForm(forms.Form):
    producer = forms.ModelChoiceField(label=_("生产者"), queryset=Producer.objects.all())
    product = forms.ModelChoiceField(
        label=_("商品"),
        queryset=ProductPage.objects.all(),
        required=False,
        empty_label=_("（该生产者的全部商品）"),
        # The page's own id, not pk (page_ptr): Django bounds-checks only the former,
        # and on SQLite an id past 2**63 would otherwise raise OverflowError.
        to_field_name="id",
    )
    pool = forms.ModelChoiceField(label=_("资金池"), queryset=AidPool.objects.all())
    share_percent = forms.DecimalField(
        label=_("帮扶比例（%）"),
        help_text=_("占明细净额的比例，最多两位小数，例如 25 或 12.5"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    fixed_per_unit = YuanField(
        label=_("每件固定金额（元）"), min_fen=0, required=False, help_text=_("可留空")
    )
    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("失效日期（含当日）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        producer, product = data.get("producer"), data.get("product")
        if product is not None and producer is not None and product.producer_id != producer.pk:
            self.add_error("product", _("该商品不属于所选生产者。"))
        return data

    @property
    def share_bp(self) -> int:
        # Two decimals of a percent are exactly basis points.
        return int(self.cleaned_data["share_percent"] * 100)


class ClosePeriodForm(forms.Form):
    period = forms.CharField(label=_("期间"), max_length=7, help_text=_("年-月，例如 2026-10"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"period": close.next_month_to_close().code})
        super().__init__(*args, **kwargs)

    def clean_period(self) -> str:
        try:
            return calendar.parse(self.cleaned_data["period"]).code
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None


class DraftBatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("付款对象"), choices=PayoutBatch.Kind.choices)


class RemovedHouseholdDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("决定"), choices=RemovedHouseholdDecision.Decision.choices)
    reason = forms.CharField(label=_("理由"), max_length=2000)


class PersonalDataCopyForm(forms.Form):
    """A household's request to see what is held about it: the officer states it."""

    purpose = forms.CharField(
        label=_("用途"),
        max_length=200,
        help_text=_("例如：户主本人申请查阅其个人信息"),
    )


class RowFailedForm(forms.Form):
    reason = forms.CharField(label=_("失败原因"), max_length=255)


class HouseholdAccountChangeForm(forms.Form):
    """A household's new bank details; the holder is its head on the register.
    Nothing here is prefilled: the current number is shown masked only."""

    bank_name = forms.CharField(label=_("开户银行"), max_length=128)
    bank_account_number = forms.CharField(
        label=_("银行账号"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("说明"), max_length=255, required=False, help_text=_("例如：原账户已销户")
    )

    def clean_bank_account_number(self) -> str:
        # Numbers are often copied in groups of four.
        number = "".join(self.cleaned_data["bank_account_number"].split())
        validate_bank_account_number(number)
        return number


class ProducerAccountChangeForm(HouseholdAccountChangeForm):
    producer = forms.ModelChoiceField(label=_("生产者"), queryset=Producer.objects.all())
    holder_name = forms.CharField(label=_("户名"), max_length=128, help_text=_("与银行开户名一致"))

    field_order = ["producer", "holder_name", "bank_name", "bank_account_number", "note"]


class ImportRegisterForm(forms.Form):
    file = forms.FileField(
        label=_("登记表（CSV，UTF-8或GBK）"),
        help_text=_(
            "列：登记编号、户主姓名、家庭人口、所在村，以及可选的类别、状态、帮扶责任人、"
            "身份证号码、联系电话、开户银行、银行账号。"
        ),
    )
