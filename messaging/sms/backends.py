"""Where text messages go: one small interface, one adapter per provider.

``SMS_BACKEND`` names the backend: ``console`` (the embedded default: prints
the message), ``locmem`` (tests: keeps it in ``sent``), ``aliyun`` or ``tencent``
(the providers' adapters, in their own modules so that only they import the SDKs)."""

import sys
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings

from messaging.sms.templates import SmsTemplate


@dataclass(frozen=True)
class SmsReceipt:
    """The provider's id for an accepted message (Aliyun's BizId, Tencent's SerialNo)."""

    provider_id: str


class SmsError(Exception):
    """The provider refused or could not be reached. ``permanent`` errors (a bad
    number, a template the provider does not know) are not worth retrying."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmsBackend(Protocol):
    def send(
        self, *, phone: str, template: SmsTemplate, params: dict[str, str], reference: str
    ) -> SmsReceipt:
        """Send one message to a mainland mobile number (11 digits, no +86).
        ``reference`` is the outbox's key for the message; adapters pass it to the
        provider (Aliyun's OutId, Tencent's SessionContext) so a message can be traced."""
        ...


@dataclass(frozen=True)
class SentSms:
    phone: str
    template: SmsTemplate
    params: dict[str, str]
    reference: str

    @property
    def text(self) -> str:
        return self.template.render(self.params)


class ConsoleBackend:
    """Prints each message, signature first, as a phone would show it."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, phone, template, params, reference) -> SmsReceipt:
        self.stream.write(
            f"SMS to {phone} [{template.name}]: "
            f"【{settings.SMS_SIGN_NAME}】{template.render(params)}\n"
        )
        self.stream.flush()
        return SmsReceipt(provider_id=f"console:{reference}")


# Messages the locmem backend accepted, oldest first (tests clear it between tests).
sent: list[SentSms] = []


class LocmemBackend:
    def send(self, *, phone, template, params, reference) -> SmsReceipt:
        template.render(params)  # a missing parameter fails here, as at a provider
        sent.append(
            SentSms(phone=phone, template=template, params=dict(params), reference=reference)
        )
        return SmsReceipt(provider_id=f"locmem:{len(sent)}")


_BACKENDS = {
    "console": "messaging.sms.backends.ConsoleBackend",
    "locmem": "messaging.sms.backends.LocmemBackend",
    "aliyun": "messaging.sms.aliyun.AliyunBackend",
    "tencent": "messaging.sms.tencent.TencentBackend",
}


def get_backend() -> SmsBackend:
    module_name, _, class_name = _BACKENDS[settings.SMS_BACKEND].rpartition(".")
    return getattr(import_module(module_name), class_name)()
