from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from core.money import YuanField, yuan_amount
from shop.orders.forms import CheckoutForm
from shop.orders.models import Order, OrderLine


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


class VariantForm(WagtailAdminModelForm):
    """A variant's admin form with the price typed in yuan, saved as fen."""

    price_fen = YuanField(label=_("价格（元）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.price_fen is not None:
            self.initial["price_fen"] = yuan_amount(self.instance.price_fen)


class RefundForm(forms.Form):
    line = forms.ModelChoiceField(
        label=_("退哪一行"),
        queryset=OrderLine.objects.none(),
        required=False,
        empty_label=_("整单退款（含运费）"),
    )
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=100_000, required=False)
    reason = forms.CharField(label=_("原因"), max_length=255)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = order.lines.all()

    def clean(self):
        data = super().clean()
        if data.get("line") and not data.get("quantity"):
            self.add_error("quantity", _("按行退款时请填写数量。"))
        return data


class SurplusRefundForm(forms.Form):
    amount = YuanField(
        label=_("退还金额（元）"),
        required=False,
        help_text=_("留空则退还这笔款项剩余的全部金额。"),
    )
    reason = forms.CharField(label=_("原因"), max_length=255)


# The largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1

OFFLINE_METHODS = [("bank_transfer", _("银行转账")), ("cash", _("现金"))]


class OfflinePaymentForm(forms.Form):
    amount = YuanField(label=_("收款金额（元）"))
    method = forms.ChoiceField(label=_("方式"), choices=OFFLINE_METHODS)
    reference = forms.CharField(label=_("凭证号或备注"), max_length=64, required=False)
    received_at = forms.DateTimeField(
        label=_("到账时间"),
        required=False,
        help_text=_("例如“2026-10-31 16:30”；留空即现在。不能晚于现在。"),
    )


class OfflineSaleForm(CheckoutForm):
    """A sale recorded by staff: a union's bulk order or a market stall."""

    invoice_title = forms.CharField(label=_("发票抬头"), max_length=128, required=False)
    tax_number = forms.CharField(label=_("纳税人识别号"), max_length=20, required=False)
    items = forms.CharField(
        label=_("商品"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一种商品：规格编号 数量，例如“12 30”。"),
    )
    paid_now = forms.BooleanField(label=_("已当场收款"), required=False)
    method = forms.ChoiceField(label=_("收款方式"), choices=OFFLINE_METHODS)
    reference = forms.CharField(label=_("凭证号或备注"), max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["save_address"]

    def clean_items(self) -> list[tuple[int, int]]:
        items = []
        for number, row in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            if not row.strip():
                continue
            parts = row.split()
            # isdecimal, not isdigit: "²" is a digit that int() refuses; and at most
            # 19 digits, as int() refuses over 4300 and no id has more than 19.
            if len(parts) != 2 or not all(part.isdecimal() and len(part) <= 19 for part in parts):
                raise forms.ValidationError(
                    _("第 %(row)s 行应为“规格编号 数量”。") % {"row": number}
                )
            variant_id, quantity = int(parts[0]), int(parts[1])
            if variant_id > MAX_ID:  # no such id; past 2**63 SQLite would overflow
                raise forms.ValidationError(
                    _("第 %(row)s 行应为“规格编号 数量”。") % {"row": number}
                )
            if not 1 <= quantity <= 100_000:
                raise forms.ValidationError(_("第 %(row)s 行的数量不合理。") % {"row": number})
            items.append((variant_id, quantity))
        if not items:
            raise forms.ValidationError(_("请至少填写一种商品。"))
        return items


class ExplainDifferenceForm(forms.Form):
    note = forms.CharField(
        label=_("核对说明"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("查到的原因和已做的处理，例如“平台次日入账，已核对”。"),
    )


class StatementFilterForm(forms.Form):
    gateway = forms.ChoiceField(label=_("支付方式"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, gateways: list[str], statuses: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gateway"].choices = [("", _("全部"))] + [(name, name) for name in gateways]
        self.fields["status"].choices = [("", _("全部")), *statuses]
