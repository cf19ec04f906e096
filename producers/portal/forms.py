from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from producers.models import MemberProfile
from producers.portal.base import memberships_of


class PortalLoginForm(forms.Form):
    """One box for a mobile number or an e-mail address, then the password."""

    login = forms.CharField(
        label=_("手机号或邮箱"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        login, password = cleaned.get("login"), cleaned.get("password")
        if not login or not password:
            return cleaned
        # django-axes counts failures and locks out by login and address.
        user = authenticate(self.request, username=login.strip(), password=password)
        if user is None:
            raise forms.ValidationError(_("手机号、邮箱或密码不对，请再试一次。"), code="invalid")
        if not memberships_of(user).exists():
            raise forms.ValidationError(
                _("这个账号不是任何生产者的成员。请联系镇里的工作人员开通。"), code="not_member"
            )
        self.user = user
        return cleaned


class SwitchProducerForm(forms.Form):
    # Bounded like the database's ids, so a huge number is a form error, not a crash.
    producer = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class NoticeChoiceForm(forms.ModelForm):
    """How a member hears of paid orders: one SMS per order, or one each morning."""

    daily_digest = forms.TypedChoiceField(
        label=_("新订单怎么通知我"),
        choices=[
            (False, _("每来一单发一条短信")),
            (True, _("每天早上7:30发一条汇总")),
        ],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = MemberProfile
        fields = ["daily_digest"]
