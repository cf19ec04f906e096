"""Forms of the public notices: the objection (异议) form on a notice's page, with a
honeypot field for bots."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.mobile import is_mobile, normalize_mobile


class ObjectionForm(forms.Form):
    name = forms.CharField(
        label=_("您的姓名"),
        max_length=32,
        error_messages={"required": _("请填写您的姓名。")},
    )
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=64,
        help_text=_("手机号码或电子邮箱，帮扶专员核实后会与您联系。"),
        error_messages={"required": _("请填写手机号码或电子邮箱。")},
    )
    position = forms.IntegerField(
        label=_("对哪一户（公示序号）"),
        required=False,
        min_value=1,
        help_text=_("填写公示中的序号；不填则是对整份公示的异议。"),
    )
    message = forms.CharField(
        label=_("异议内容"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写明对哪一户、哪一项有异议，以及理由。"),
        error_messages={
            "required": _("请填写异议内容。"),
            "min_length": _("异议内容至少需要 %(limit_value)d 个字，请写明事由。"),
            "max_length": _("异议内容不能超过 %(limit_value)d 个字。"),
        },
    )

    # A honeypot: hidden from people (CSS, and from screen readers), filled in by bots
    # that fill in every box. A form with it filled is refused quietly (``is_bot``).
    website = forms.CharField(
        label=_("网址（请留空）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    HONEYPOT = "website"

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get(self.HONEYPOT))

    def objection(self) -> dict:
        """The objection's fields, for ``submit_objection``."""
        return {k: v for k, v in self.cleaned_data.items() if k != self.HONEYPOT}

    def clean_contact(self) -> str:
        contact = self.cleaned_data["contact"].strip()
        if is_mobile(contact):
            return normalize_mobile(contact)
        try:
            validate_email(contact)
        except ValidationError:
            raise ValidationError(
                _("请填写有效的手机号码（如 13812345678）或电子邮箱。"), code="invalid_contact"
            ) from None
        return contact
