"""The Aliyun adapter through the official SDK against the local fake of Aliyun's API."""

import time

import pytest
from django.db import transaction

from messaging import outbox, relay
from messaging.models import OutboundMessage
from messaging.sms import backends
from messaging.sms.aliyun import AliyunBackend
from tests.messaging.conftest import SHIPPED

PARAMS = {"order": "20261206001", "courier": "顺丰", "tracking": "SF1234567890"}


def send(phone: str = "13800138000", reference: str = "order:20261206001:shipped:sms"):
    return backends.get_backend().send(
        phone=phone, template=SHIPPED, params=PARAMS, reference=reference
    )


def refusal(**kwargs) -> backends.SmsError:
    with pytest.raises(backends.SmsError) as raised:
        send(**kwargs)
    return raised.value


def test_a_message_is_sent_signed_with_our_template_and_reference(fake_aliyun):
    receipt = send()

    assert isinstance(backends.get_backend(), AliyunBackend)
    [message] = fake_aliyun.accepted
    assert receipt.provider_id == "900619746936498^0"
    assert message.phone == "13800138000"
    assert message.sign_name == "刘垓子镇"
    assert message.template_code == "SMS_1001"
    assert message.params == PARAMS
    assert message.out_id == "order:20261206001:shipped:sms"
    assert message.text == SHIPPED.render(PARAMS)


def test_a_wrong_secret_is_refused_by_aliyun_and_retried_later(fake_aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"

    error = refusal()

    assert (error.code, error.permanent) == ("SignatureDoesNotMatch", False)
    assert fake_aliyun.accepted == []
    assert fake_aliyun.refused == ["SignatureDoesNotMatch"]


def test_an_unknown_access_key_is_refused(fake_aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI5tSomeoneElse"

    error = refusal()

    assert (error.code, error.permanent) == ("InvalidAccessKeyId.NotFound", False)
    assert fake_aliyun.accepted == []


def test_an_empty_key_is_an_error_to_retry_once_the_key_is_set(fake_aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""

    error = refusal()

    assert (error.code, error.permanent) == ("InvalidCredentials", False)
    assert fake_aliyun.refused == []


def test_a_number_aliyun_cannot_send_to_is_a_permanent_error(fake_aliyun):
    error = refusal(phone="1380013800")

    assert (error.code, error.permanent) == ("isv.MOBILE_NUMBER_ILLEGAL", True)


def test_an_unapproved_template_or_signature_is_a_permanent_error(fake_aliyun, settings):
    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "SMS_9999"}
    assert (refusal().code, refusal().permanent) == ("isv.SMS_TEMPLATE_ILLEGAL", True)

    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "SMS_1001"}
    settings.SMS_SIGN_NAME = "未审核的签名"
    assert (refusal().code, refusal().permanent) == ("isv.SMS_SIGNATURE_ILLEGAL", True)
    assert fake_aliyun.accepted == []


def test_a_template_without_an_id_is_refused_before_calling_aliyun(fake_aliyun, settings):
    settings.SMS_TEMPLATE_IDS = {}

    error = refusal()

    assert (error.code, error.permanent) == ("TemplateIdMissing", True)
    assert fake_aliyun.refused == [] and fake_aliyun.accepted == []


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("isv.TEMPLATE_MISSING_PARAMETERS", True),
        ("isv.BLACK_KEY_CONTROL_LIMIT", True),
        ("isv.PARAM_LENGTH_LIMIT", True),
        ("isv.BUSINESS_LIMIT_CONTROL", False),
        ("isv.DAY_LIMIT_CONTROL", False),
        ("isv.OUT_OF_SERVICE", False),
        ("isv.AMOUNT_NOT_ENOUGH", False),
        ("isp.SYSTEM_ERROR", False),
    ],
)
def test_business_error_codes_are_mapped(fake_aliyun, code, permanent):
    fake_aliyun.faults.code = code

    error = refusal()

    assert (error.code, error.permanent) == (code, permanent)
    assert send().provider_id  # the fault was for one message only


def test_a_server_error_is_transient(fake_aliyun):
    fake_aliyun.faults.http_status = 503

    error = refusal()

    assert (error.code, error.permanent) == ("ServiceUnavailable", False)
    assert fake_aliyun.accepted == []


def test_no_answer_within_the_read_timeout_is_a_transient_error(fake_aliyun, settings):
    settings.SMS_READ_TIMEOUT = 1
    fake_aliyun.faults.delay = 3

    started = time.monotonic()
    error = refusal()

    assert time.monotonic() - started < 2.5
    assert (error.code, error.permanent) == ("NetworkError", False)


def test_an_unreachable_endpoint_is_a_transient_error(fake_aliyun, settings):
    settings.SMS_ALIYUN_ENDPOINT = "127.0.0.1:1"

    error = refusal()

    assert (error.code, error.permanent) == ("NetworkError", False)


@pytest.mark.django_db
def test_an_owed_message_goes_through_the_outbox_to_aliyun(fake_aliyun):
    with transaction.atomic():
        message = outbox.owe_sms(
            key="order:20261206001:shipped:sms",
            phone="13800138000",
            template=SHIPPED,
            params=PARAMS,
        )

    assert relay.deliver(message_id=message.pk) is True

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.provider_id == "900619746936498^0"
    [sent] = fake_aliyun.accepted
    assert (sent.out_id, sent.text) == (message.key, SHIPPED.render(PARAMS))


@pytest.mark.django_db
def test_the_outbox_gives_up_at_once_on_a_permanent_refusal(fake_aliyun):
    with transaction.atomic():
        message = outbox.owe_sms(
            key="order:20261206001:shipped:sms:bad",
            phone="1380013800",
            template=SHIPPED,
            params=PARAMS,
        )

    assert relay.deliver(message_id=message.pk) is False

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.FAILED, 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in message.last_error
