"""Aliyun SMS (短信服务, dysmsapi 2017-05-25) through its official SDK.

The SDK signs each call with ACS3-HMAC-SHA256 (signature V3). Business errors come
back with HTTP 200 and a ``Code`` other than ``OK``; signature, key and server
errors as HTTP 4xx/5xx, which the SDK raises."""

import json

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions
from django.conf import settings

from messaging.sms.backends import SmsError, SmsReceipt

# Codes about this message itself (its number, template, signature or parameters):
# sending it again gets the same answer. Everything else (throttling such as
# isv.BUSINESS_LIMIT_CONTROL, an account in arrears, a key being fixed, isp.SYSTEM_ERROR,
# a 5xx or no answer) is retried with back-off: the message may still go once it clears.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.PHONENUMBERS_OVER_LIMIT",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SIGN_STATE_ILLEGAL",
        "isv.SMS_SIGN_NAME_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.EXTEND_CODE_ERROR",
    }
)


class AliyunBackend:
    def __init__(self) -> None:
        self.client = Client(
            Config(
                access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
                access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
                endpoint=settings.SMS_ALIYUN_ENDPOINT,
                protocol=settings.SMS_PROVIDER_PROTOCOL,
                # The SDK counts in milliseconds.
                connect_timeout=settings.SMS_CONNECT_TIMEOUT * 1000,
                read_timeout=settings.SMS_READ_TIMEOUT * 1000,
            )
        )

    def send(self, *, phone, template, params, reference) -> SmsReceipt:
        template_code = template.provider_id()
        if not template_code:
            raise SmsError(
                f"SMS template {template.name!r} has no id in SMS_TEMPLATE_IDS",
                code="TemplateIdMissing",
                permanent=True,
            )
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template_code,
            template_param=json.dumps(
                {name: params[name] for name in template.params}, ensure_ascii=False
            ),
            out_id=reference,
        )
        runtime = RuntimeOptions(
            connect_timeout=settings.SMS_CONNECT_TIMEOUT * 1000,
            read_timeout=settings.SMS_READ_TIMEOUT * 1000,
        )
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except ResponseException as error:  # HTTP 4xx/5xx with Aliyun's error body
            raise SmsError(
                f"Aliyun refused the message: {error.code} {error.message}",
                code=error.code or "",
                permanent=error.code in PERMANENT_CODES,
            ) from error
        except UnretryableException as error:
            # No answer, or not one in Aliyun's form: a timeout, a refused connection,
            # a proxy's HTML error page.
            raise SmsError(f"Aliyun could not be reached: {error}", code="NetworkError") from error
        body = response.body
        if body.code != "OK":
            raise SmsError(
                f"Aliyun refused the message: {body.code} {body.message}",
                code=body.code or "",
                permanent=body.code in PERMANENT_CODES,
            )
        return SmsReceipt(provider_id=body.biz_id)
