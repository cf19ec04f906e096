"""The buyer's forms: checkout (retail and institutional), saved addresses, profile."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.mobile import normalize_mobile, validate_mobile
from shop.orders.checkout import ShippingAddress
from shop.orders.models import Address, BuyerProfile, NotifyBy
from shop.orders.regions import PROVINCE_CHOICES


class CheckoutForm(forms.Form):
    # Optional: the mobile number below is always given, and finds the order again.
    email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        help_text=_("选填。订单确认和发货通知会发到这里；不填也能凭订单号和手机号查订单。"),
    )
    recipient = forms.CharField(label=_("收货人"), max_length=32)
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        validators=[validate_mobile],
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    province = forms.ChoiceField(label=_("省份"), choices=[("", "—"), *PROVINCE_CHOICES])
    city = forms.CharField(label=_("城市"), max_length=32)
    district = forms.CharField(label=_("区县"), max_length=32)
    street = forms.CharField(label=_("详细地址"), max_length=128)
    save_address = forms.BooleanField(label=_("保存为我的默认地址"), required=False)
    # Guests only (an account chooses on its profile page); none chosen means both.
    notify_by = forms.ChoiceField(
        label=_("订单消息发到"),
        choices=NotifyBy.choices,
        initial=NotifyBy.BOTH,
        required=False,
        widget=forms.RadioSelect,
    )

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


class InstitutionCheckoutForm(CheckoutForm):
    """Checkout for an institutional buyer: pay online, or by bank transfer
    with an invoice (the order then waits for staff to record the transfer)."""

    pay_by = forms.ChoiceField(
        label=_("付款方式"),
        choices=[("online", _("在线支付")), ("bank_transfer", _("对公银行转账"))],
        widget=forms.RadioSelect,
        initial="online",
    )
    invoice_title = forms.CharField(label=_("发票抬头"), max_length=128, required=False)
    tax_number = forms.CharField(label=_("纳税人识别号"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        if data.get("pay_by") == "bank_transfer" and not data.get("invoice_title"):
            self.add_error("invoice_title", _("对公转账请填写发票抬头。"))
        return data


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
        fields = ["mobile", "notify_by", "invoice_title", "tax_number"]
        widgets = {"notify_by": forms.RadioSelect}

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])
