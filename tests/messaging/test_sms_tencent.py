"""The Tencent adapter through the official SDK against the local fake of Tencent's API."""

import time

import pytest

from messaging.sms import backends, templates
from messaging.sms.tencent import TencentBackend
from tests.messaging.conftest import SHIPPED

PARAMS = {"order": "20261206001", "courier": "顺丰", "tracking": "SF1234567890"}
# The same parameter twice: Tencent's template says {1} twice and gets one value for it.
CODE = templates.register(
    name="test_tencent_code", text="验证码${code}，5分钟内有效。请勿泄露${code}。"
)


def send(phone: str = "13800138000", reference: str = "order:20261206001:shipped:sms"):
    return backends.get_backend().send(
        phone=phone, template=SHIPPED, params=PARAMS, reference=reference
    )


def refusal(**kwargs) -> backends.SmsError:
    with pytest.raises(backends.SmsError) as raised:
        send(**kwargs)
    return raised.value


def test_a_message_is_sent_signed_with_our_template_and_reference(fake_tencent):
    receipt = send()

    assert isinstance(backends.get_backend(), TencentBackend)
    [message] = fake_tencent.accepted
    assert receipt.provider_id == "2645:0000000000000001"
    assert message.phone == "+8613800138000"
    assert (message.app_id, message.sign_name, message.template_id) == (
        "1400006666",
        "刘垓子镇",
        "1001",
    )
    assert message.session_context == "order:20261206001:shipped:sms"
    assert message.text == SHIPPED.render(PARAMS)


def test_parameters_go_in_the_order_of_our_wording_whatever_order_they_are_given_in(
    fake_tencent,
):
    backends.get_backend().send(
        phone="13800138000",
        template=SHIPPED,
        params={"tracking": "SF1234567890", "order": "20261206001", "courier": "顺丰"},
        reference="r",
    )

    [message] = fake_tencent.accepted
    assert message.params == ["20261206001", "顺丰", "SF1234567890"]
    assert message.text == "您的订单20261206001已由顺丰发出，运单号SF1234567890。"


def test_a_parameter_used_twice_is_sent_once(fake_tencent, settings):
    fake_tencent.templates["1002"] = "验证码{1}，5分钟内有效。请勿泄露{1}。"
    settings.SMS_TEMPLATE_IDS = {CODE.name: "1002"}

    backends.get_backend().send(
        phone="13800138000", template=CODE, params={"code": "482913"}, reference="r"
    )

    [message] = fake_tencent.accepted
    assert message.params == ["482913"]
    assert message.text == CODE.render({"code": "482913"})


def test_a_wrong_secret_is_refused_by_tencent_and_retried_later(fake_tencent, settings):
    settings.SMS_TENCENT_SECRET_KEY = "not-the-secret-key"

    error = refusal()

    assert (error.code, error.permanent) == ("AuthFailure.SignatureFailure", False)
    assert fake_tencent.accepted == []
    assert fake_tencent.refused == ["AuthFailure.SignatureFailure"]


def test_an_unknown_secret_id_is_refused(fake_tencent, settings):
    settings.SMS_TENCENT_SECRET_ID = "AKIDsomeoneElse"

    error = refusal()

    assert (error.code, error.permanent) == ("AuthFailure.SecretIdNotFound", False)


def test_an_empty_key_is_an_error_to_retry_once_the_key_is_set(fake_tencent, settings):
    settings.SMS_TENCENT_SECRET_ID = ""

    error = refusal()

    assert (error.code, error.permanent) == ("InvalidCredential", False)
    assert fake_tencent.refused == []


def test_a_number_tencent_cannot_send_to_is_a_permanent_error(fake_tencent):
    error = refusal(phone="1380013800")

    assert (error.code, error.permanent) == ("InvalidParameterValue.IncorrectPhoneNumber", True)
    assert fake_tencent.accepted == []


def test_an_unapproved_template_or_signature_is_a_permanent_error(fake_tencent, settings):
    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "9999"}
    assert (refusal().code, refusal().permanent) == (
        "FailedOperation.TemplateIncorrectOrUnapproved",
        True,
    )

    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "1001"}
    settings.SMS_SIGN_NAME = "未审核的签名"
    assert (refusal().code, refusal().permanent) == (
        "FailedOperation.SignatureIncorrectOrUnapproved",
        True,
    )
    assert fake_tencent.accepted == []


def test_a_template_without_an_id_is_refused_before_calling_tencent(fake_tencent, settings):
    settings.SMS_TEMPLATE_IDS = {}

    error = refusal()

    assert (error.code, error.permanent) == ("TemplateIdMissing", True)
    assert fake_tencent.refused == []


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        # reported for the number, in SendStatusSet
        ("FailedOperation.PhoneNumberInBlacklist", True),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", False),
        ("LimitExceeded.PhoneNumberDailyLimit", False),
        # reported for the request, in Response.Error
        ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", True),
        ("FailedOperation.ContainSensitiveWord", True),
        ("FailedOperation.InsufficientBalanceInSmsPackage", False),
        ("UnauthorizedOperation.ServiceSuspendDueToArrears", False),
        ("LimitExceeded.DeliveryFrequencyLimit", False),
        ("InternalError.Timeout", False),
    ],
)
def test_error_codes_are_mapped(fake_tencent, code, permanent):
    fake_tencent.faults.code = code

    error = refusal()

    assert (error.code, error.permanent) == (code, permanent)
    assert send().provider_id  # the fault was for one message only


def test_a_server_error_is_transient(fake_tencent):
    fake_tencent.faults.http_status = 502

    error = refusal()

    assert (error.code, error.permanent) == ("ServerNetworkError", False)


def test_no_answer_within_the_read_timeout_is_a_transient_error(fake_tencent, settings):
    settings.SMS_READ_TIMEOUT = 1
    fake_tencent.faults.delay = 3

    started = time.monotonic()
    error = refusal()

    assert time.monotonic() - started < 2.5
    assert (error.code, error.permanent) == ("ClientNetworkError", False)
