"""Tencent Cloud SMS (SendSms, API 2021-01-11) through its official SDK.

The SDK signs each call with TC3-HMAC-SHA256. A refused request (signature, template,
signature name, app id) comes back as ``Response.Error``, which the SDK raises; a
refused number is reported in ``SendStatusSet``, one status per number."""

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from messaging.sms.backends import SmsError, SmsReceipt
from messaging.sms.templates import SmsTemplate

# Codes about this message itself (its number, template, signature or parameters):
# sending it again gets the same answer. Everything else (frequency limits such as
# LimitExceeded.PhoneNumberThirtySecondLimit, an empty package, a key being fixed,
# InternalError.*, the SDK's ClientNetworkError and ServerNetworkError) is retried.
PERMANENT_CODES = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberParseFail",
        "FailedOperation.PhoneNumberInBlacklist",
        "LimitExceeded.PhoneNumberCountLimit",
        "MissingParameter.EmptyPhoneNumberSet",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
        "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.TemplateIdNotExist",
        "FailedOperation.TemplateUnapprovedOrNotExist",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.MissingSignature",
        "FailedOperation.ContainSensitiveWord",
        "InvalidParameter.DirtyWordFound",
        "InvalidParameterValue.ContentLengthLimit",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
    }
)


def positional_names(template: SmsTemplate) -> list[str]:
    """Tencent's templates number their parameters {1}, {2}...: ours are numbered in
    the order they first appear in our wording (a name used twice keeps its number)."""
    return list(dict.fromkeys(template.params))


def numbered_wording(template: SmsTemplate) -> str:
    """The wording to submit to Tencent for approval: ${name} becomes {n}."""
    text = template.text
    for number, name in enumerate(positional_names(template), start=1):
        text = text.replace(f"${{{name}}}", f"{{{number}}}")
    return text


class TencentBackend:
    def __init__(self) -> None:
        http = HttpProfile(
            protocol=settings.SMS_PROVIDER_PROTOCOL,
            endpoint=settings.SMS_TENCENT_ENDPOINT,
            # requests' (connect, read) pair, in seconds.
            reqTimeout=(settings.SMS_CONNECT_TIMEOUT, settings.SMS_READ_TIMEOUT),
        )
        try:
            credential = Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY)
        except TencentCloudSDKException as error:  # an empty key, refused before any call
            raise SmsError(
                f"Tencent SMS keys are not set: {error.message}", code=error.code or ""
            ) from error
        self.client = SmsClient(
            credential, settings.SMS_TENCENT_REGION, ClientProfile(httpProfile=http)
        )

    def send(self, *, phone, template, params, reference) -> SmsReceipt:
        template_id = template.provider_id()
        if not template_id:
            raise SmsError(
                f"SMS template {template.name!r} has no id in SMS_TEMPLATE_IDS",
                code="TemplateIdMissing",
                permanent=True,
            )
        request = SendSmsRequest()
        request.SmsSdkAppId = settings.SMS_TENCENT_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_id
        request.TemplateParamSet = [params[name] for name in positional_names(template)]
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SessionContext = reference
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsError(
                f"Tencent refused the message: {error.code} {error.message}",
                code=error.code or "",
                permanent=error.code in PERMANENT_CODES,
            ) from error
        if not response.SendStatusSet:  # a 200 that is not Tencent's answer (a proxy's page)
            raise SmsError("Tencent's answer has no send status", code="NoSendStatus")
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise SmsError(
                f"Tencent refused the message: {status.Code} {status.Message}",
                code=status.Code or "",
                permanent=status.Code in PERMANENT_CODES,
            )
        return SmsReceipt(provider_id=status.SerialNo)
