"""The after-sales forms: the buyer's request, their return parcel, the
producer's answer, the editors' decision. Amounts are typed in yuan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import YuanField
from shop.aftersales.actions import MAX_PHOTOS, REASON_MAX
from shop.aftersales.models import Kind


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one input; each is checked by the service (prepare_photo)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("售后类型"), choices=Kind.choices, widget=forms.RadioSelect)
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    reason = forms.CharField(
        label=_("问题描述"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultiplePhotoField(
        label=_("照片"),
        required=False,
        help_text=_("质量问题请拍清楚商品的问题，最多 %(max)s 张。") % {"max": MAX_PHOTOS},
    )

    def __init__(self, *args, kinds, max_quantity: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in Kind.choices if k in kinds]
        self.fields["quantity"].max_value = max_quantity
        self.fields["quantity"].widget.attrs.update({"max": max_quantity, "inputmode": "numeric"})
        self.fields["quantity"].initial = max_quantity


class ReturnForm(forms.Form):
    carrier = forms.CharField(label=_("快递公司"), max_length=32)
    tracking_number = forms.CharField(label=_("运单号"), max_length=40)


class AnswerForm(forms.Form):
    STEPS = [
        ("accept", _("同意退款")),
        ("propose", _("提议部分退款")),
        ("ask_return", _("要求寄回商品")),
        ("decline", _("拒绝")),
    ]
    step = forms.ChoiceField(label=_("处理方式"), choices=STEPS, widget=forms.RadioSelect)
    amount = YuanField(label=_("部分退款金额（元）"), required=False)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("拒绝时必须写明理由。"),
    )


class DecisionForm(forms.Form):
    amount = YuanField(
        label=_("退款金额（元）"), min_fen=0, help_text=_("填 0 表示不退款，申请关闭。")
    )
    note = forms.CharField(label=_("裁决理由"), max_length=REASON_MAX, widget=forms.Textarea)
