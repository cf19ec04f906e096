"""The buyer's 发票 request form and the issuer's forms (portal and admin).
The rules are the services' (shop.invoicing.services); these read input."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import YuanField, format_yuan
from shop.invoicing.models import InvoiceRequest
from shop.invoicing.selectors import left_to_invoice


class OrderChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        left = sum(fen for fen in left_to_invoice(obj).values() if fen > 0)
        return _("%(number)s · %(day)s · 可开票 %(amount)s") % {
            "number": obj.number,
            "day": timezone.localtime(obj.created_at).strftime("%Y-%m-%d"),
            "amount": format_yuan(left),
        }


class InvoiceRequestForm(forms.Form):
    orders = OrderChoices(
        label=_("开票订单"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请选择要开发票的订单。"),
            "invalid_choice": _("找不到所选的订单，或它已开过发票。"),
            "invalid_pk_value": _("找不到所选的订单，或它已开过发票。"),
        },
    )
    kind = forms.ChoiceField(
        label=_("发票类型"),
        choices=InvoiceRequest.Kind.choices,
        initial=InvoiceRequest.Kind.NORMAL,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("发票抬头"), max_length=128)
    tax_number = forms.CharField(
        label=_("纳税人识别号"),
        max_length=24,
        required=False,
        help_text=_("单位和增值税专用发票必填：18位统一社会信用代码。"),
    )
    address_phone = forms.CharField(
        label=_("地址、电话"), max_length=200, required=False, help_text=_("专用发票必填。")
    )
    bank_account = forms.CharField(
        label=_("开户行及账号"), max_length=200, required=False, help_text=_("专用发票必填。")
    )
    email = forms.EmailField(
        label=_("接收邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = orders


class IssueForm(forms.Form):
    invoice_number = forms.CharField(label=_("发票号码"), max_length=32)
    invoice_date = forms.DateField(
        label=_("开票日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = YuanField(label=_("开票金额（元）"))
    file = forms.FileField(
        label=_("发票PDF"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("拒绝原因"), max_length=255)


class RedLetterForm(forms.Form):
    red_letter_number = forms.CharField(label=_("红字发票号码"), max_length=32)
    red_letter_date = forms.DateField(
        label=_("开票日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
