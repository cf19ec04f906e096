from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
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
        credentials = {"username": login.strip(), "password": password}
        user = authenticate(self.request, **credentials)
        if user is not None and not memberships_of(user).exists():
            # A right password for an account with no producer is a failure like any
            # other, counted by axes too, so neither the page nor the lock-out tells
            # an outsider that the password was right.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": credentials["username"]},
                request=self.request,
            )
            user = None
        if user is None:
            # One message for every failure: unknown account, wrong password, inactive
            # account, no producer.
            raise forms.ValidationError(
                _("手机号、邮箱或密码不对，或这个账号没有开通生产者门户。"), code="invalid"
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
