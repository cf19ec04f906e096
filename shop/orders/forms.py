"""The buyer's forms: checkout (for oneself or a buying unit), saved addresses, profile."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.mobile import normalize_mobile, validate_mobile
from shop.orders.checkout import ShippingAddress
from shop.orders.models import Address, BuyerProfile, NotifyBy
from shop.orders.regions import PROVINCE_CHOICES, region_errors

ADDRESS_FIELDS = ("recipient", "mobile", "province", "city", "district", "street")


def _text(autocomplete: str, **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


def _province_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("省份"),
        choices=[("", "—"), *PROVINCE_CHOICES],
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )


class SavedAddressSelect(forms.RadioSelect):
    """Each saved address's province on its radio button, for the shipping
    preview to follow the choice (static/js/checkout.js)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-province"] = instance.province
        return option


class SavedAddressesFirst(forms.models.ModelChoiceIterator):
    """The saved addresses (the default first), then "use a new address"."""

    def __iter__(self):
        new_address, *saved = super().__iter__()
        yield from saved
        yield new_address


class SavedAddressField(forms.ModelChoiceField):
    iterator = SavedAddressesFirst

    def label_from_instance(self, obj: Address) -> str:
        return f"{obj.recipient} {obj.mobile} {obj.address_text()}"


class CheckoutForm(forms.Form):
    # A signed-in buyer's saved addresses; none chosen means the fields below.
    saved_address = SavedAddressField(
        label=_("已保存的地址"),
        queryset=Address.objects.none(),
        required=False,
        blank=True,  # a radio button for the new address too
        empty_label=_("使用新地址"),
        widget=SavedAddressSelect,
    )
    recipient = forms.CharField(label=_("收货人"), max_length=32, widget=_text("name"))
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        validators=[validate_mobile],
        widget=_text("tel", type="tel", inputmode="numeric"),
    )
    province = _province_field()
    # Text inputs, so the form works without JavaScript; the region picker
    # turns them into lists of the province's cities and the city's districts.
    city = forms.CharField(label=_("城市"), max_length=32, widget=_text("address-level2"))
    district = forms.CharField(label=_("区县"), max_length=32, widget=_text("address-level3"))
    street = forms.CharField(label=_("详细地址"), max_length=128, widget=_text("street-address"))
    save_address = forms.BooleanField(label=_("保存为我的默认地址"), required=False)
    # Optional: the mobile number above is always given (order messages go to
    # it by SMS when there is no e-mail), and finds the order again.
    email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        help_text=_("选填。订单确认和发货通知会发到这里；不填也能凭订单号和手机号查订单。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Guests only (an account chooses on its profile page); none chosen means both.
    notify_by = forms.ChoiceField(
        label=_("订单消息发到"),
        choices=NotifyBy.choices,
        initial=NotifyBy.BOTH,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            self.fields["saved_address"].queryset = Address.objects.filter(user=user)
        if self.data.get(self.add_prefix("saved_address")):
            # The saved address is the address: the fields are not asked for.
            for name in ADDRESS_FIELDS:
                self.fields[name].required = False

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean_recipient(self) -> str:
        return self.cleaned_data["recipient"].strip()

    def clean(self):
        data = super().clean()
        if not data.get("saved_address") and not any(f in self.errors for f in ADDRESS_FIELDS):
            errors = region_errors(
                province=data["province"],
                city=data["city"].strip(),
                district=data["district"].strip(),
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data

    def shipping_address(self) -> ShippingAddress:
        data = self.cleaned_data
        saved = data.get("saved_address")
        if saved is not None:
            return ShippingAddress(**{name: getattr(saved, name) for name in ADDRESS_FIELDS})
        return ShippingAddress(
            recipient=data["recipient"],
            mobile=data["mobile"],
            province=data["province"],
            city=data["city"].strip(),
            district=data["district"].strip(),
            street=data["street"].strip(),
        )


class UnitCheckoutForm(CheckoutForm):
    """Checkout for a member of an active buying unit: for themselves or in a
    unit's name, charged to the current budget year; a unit may pay online
    or by bank transfer (the order then waits for staff to record it)."""

    buy_for = forms.ChoiceField(
        label=_("购买方式"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": _("您不能以这个单位的名义下单：不是它的成员，或单位已停用。")
        },
    )
    pay_by = forms.ChoiceField(
        label=_("付款方式"),
        choices=[("online", _("在线支付")), ("bank_transfer", _("对公银行转账"))],
        widget=forms.RadioSelect,
        initial="online",
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {str(unit.pk): unit for unit in units}
        self.fields["buy_for"].choices = [
            ("", _("个人购买")),
            *((key, _("为「%(unit)s」采购") % {"unit": unit}) for key, unit in self.units.items()),
        ]

    def clean(self):
        data = super().clean()
        data["buying_unit"] = self.units.get(data.get("buy_for") or "")
        if data.get("pay_by") == "bank_transfer" and data["buying_unit"] is None:
            self.add_error("pay_by", _("对公银行转账仅用于单位采购，请选择采购单位。"))
        return data


class AddressForm(forms.ModelForm):
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        validators=[validate_mobile],
        widget=_text("tel", type="tel", inputmode="numeric"),
    )
    province = _province_field()  # the checkout's list, with the picker's blank "—"

    class Meta:
        model = Address
        fields = [*ADDRESS_FIELDS, "is_default"]
        widgets = {
            "recipient": _text("name"),
            "city": _text("address-level2"),
            "district": _text("address-level3"),
            "street": _text("street-address"),
        }

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        if not any(f in self.errors for f in ADDRESS_FIELDS):
            errors = region_errors(
                province=data["province"], city=data["city"], district=data["district"]
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data


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
