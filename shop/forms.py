from django import forms
from django.utils.translation import gettext_lazy as _

from .checkout import ShippingAddress
from .models import Address, BuyerProfile
from .regions import PROVINCE_CHOICES, normalize_mobile, validate_mobile


class StockAdjustmentForm(forms.Form):
    delta = forms.IntegerField(
        label=_("库存增减"),
        help_text=_("正数为补货，负数为减少；库存不会低于零。"),
        min_value=-100_000,
        max_value=100_000,
    )

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("请输入非零的数量。"))
        return delta


class CheckoutForm(forms.Form):
    email = forms.EmailField(label=_("电子邮箱"), help_text=_("订单确认和发货通知会发到这里。"))
    recipient = forms.CharField(label=_("收货人"), max_length=32)
    mobile = forms.CharField(label=_("手机号码"), max_length=20, validators=[validate_mobile])
    province = forms.ChoiceField(label=_("省份"), choices=[("", "—"), *PROVINCE_CHOICES])
    city = forms.CharField(label=_("城市"), max_length=32)
    district = forms.CharField(label=_("区县"), max_length=32)
    street = forms.CharField(label=_("详细地址"), max_length=128)
    save_address = forms.BooleanField(label=_("保存为我的默认地址"), required=False)

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean_recipient(self) -> str:
        return self.cleaned_data["recipient"].strip()

    def shipping_address(self) -> ShippingAddress:
        data = self.cleaned_data
        return ShippingAddress(
            recipient=data["recipient"],
            mobile=data["mobile"],
            province=data["province"],
            city=data["city"].strip(),
            district=data["district"].strip(),
            street=data["street"].strip(),
        )


class AddressForm(forms.ModelForm):
    mobile = forms.CharField(label=_("手机号码"), max_length=20, validators=[validate_mobile])

    class Meta:
        model = Address
        fields = ["recipient", "mobile", "province", "city", "district", "street", "is_default"]

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])


class ProfileForm(forms.ModelForm):
    mobile = forms.CharField(
        label=_("手机号码"), max_length=20, required=False, validators=[validate_mobile]
    )

    class Meta:
        model = BuyerProfile
        fields = ["mobile", "invoice_title", "tax_number"]

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])
