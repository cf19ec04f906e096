"""The log-in, sign-up and phone forms django-allauth uses (ACCOUNT_FORMS), with
mainland mobile numbers, the SMS limits and the lock-out."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.utils import filter_users_by_email
from allauth.core import context
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from core.mobile import normalize_mobile, validate_mobile
from messaging.sms.limits import SmsLimitReached
from shop.accounts import lockout, texts


class MobileField(forms.CharField):
    """A mainland mobile number as people type it (spaces, +86, full-width
    digits), kept as its 11 digits."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "numeric",
                    "autocomplete": "tel",
                    "placeholder": "13812345678",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        validate_mobile(value)
        return normalize_mobile(value)


def _refuse_if_limited(form: forms.Form, field: str, phone: str) -> None:
    try:
        texts.check(context.request, phone)
    except SmsLimitReached as limited:
        form.add_error(field, limited.message)


LOGIN_MAX_LENGTH = 254  # the longest e-mail address (RFC 5321)


class LoginForm(allauth_forms.LoginForm):
    """Log in with a password, naming the account by e-mail or mobile number."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("手机号码或电子邮箱")
        # With phones allowed, allauth's field has no length limit. Longer than an
        # e-mail address can be names no account, and django-axes could not record
        # the attempt (its username column holds 255): refused as a form error.
        login.max_length = LOGIN_MAX_LENGTH
        login.validators.append(MaxLengthValidator(LOGIN_MAX_LENGTH))
        login.widget.attrs.update(
            {
                "autocomplete": "username",
                "placeholder": "",
                "autocapitalize": "none",
                "maxlength": str(LOGIN_MAX_LENGTH),
            }
        )


class SignupForm(allauth_forms.SignupForm):
    """Sign up with a mobile number, an e-mail address or both."""

    field_order = ["phone", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = _("手机号码")
        self.fields["phone"].help_text = _(
            "手机号码和电子邮箱至少填一项；填了手机号会收到短信验证码。"
        )

    def validate_unique_email(self, value: str) -> str:
        # allauth refuses a registered address at sign-up unless verification is
        # "mandatory" (see AccountAdapter's EmailVerificationStage): here it is let
        # through, creates nothing, and its owner is told (allauth's try_save).
        email = get_adapter().validate_unique_email(value)
        if filter_users_by_email(email):
            self.account_already_exists = True
        return email

    def clean(self):
        data = super().clean()
        phone, email = data.get("phone"), data.get("email")
        if not phone and not email and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", _("请填写手机号码或电子邮箱（至少一项）。"))
        if phone and not self.has_error("phone"):
            _refuse_if_limited(self, "phone", phone)
        return data


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """Ask for a log-in code by SMS (or by e-mail). A locked-out account gets
    the lock-out page, not a code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["phone", "email"])  # allauth adds the phone field last

    def clean_phone(self) -> str:
        phone = super().clean_phone()
        if phone:
            _refuse_if_limited(self, "phone", phone)
        return phone

    def clean(self):
        data = super().clean()
        user = getattr(self, "_user", None)
        if user is not None and lockout.is_locked_out(context.request, user):
            lockout.mark_locked_out(context.request, user)
            raise forms.ValidationError(_("登录失败次数过多，暂时不能登录。"), code="locked_out")
        return data


def _numeric_code(form: forms.Form) -> None:
    # Codes are six digits (ACCOUNT_*_CODE_FORMAT): the phone's number pad, and the
    # code offered from the SMS by the keyboard.
    form.fields["code"].label = _("验证码")
    form.fields["code"].widget.attrs.update(
        {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": ""}
    )


class ConfirmLoginCodeForm(allauth_forms.ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _numeric_code(self)


class VerifyPhoneForm(allauth_forms.VerifyPhoneForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _numeric_code(self)


class ChangePhoneForm(allauth_forms.ChangePhoneForm):
    """Add or change the log-in number on the account page: a code goes to it."""

    def clean_phone(self) -> str:
        phone = super().clean_phone()
        if phone:
            _refuse_if_limited(self, "phone", phone)
        return phone


class OrderLookupForm(forms.Form):
    number = forms.CharField(
        label=_("订单号"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    mobile = MobileField(label=_("下单时填写的手机号码"))


class LookupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
            }
        ),
    )
