from django import forms
from django.utils.translation import gettext_lazy as _


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
