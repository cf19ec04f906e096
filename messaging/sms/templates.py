"""SMS templates, registered by code.

In mainland China an SMS may only be sent from a template and a signature (签名)
the provider approved beforehand: the shop cannot send free text. Each template
is registered here with the wording submitted for approval; the provider's id
for it comes from settings (``SMS_TEMPLATE_IDS``), since each provider account
gets its own ids. Apps register theirs in an ``sms_templates`` module, which
the messaging app imports at start-up (``MessagingConfig.ready``)."""

import re
from dataclasses import dataclass

from django.conf import settings

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    # The approved wording, with ${param} placeholders (Aliyun's form); the console
    # backend prints it filled in, and docs/messages.md lists it for the application.
    text: str

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.text))

    def render(self, params: dict[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda match: params[match.group(1)], self.text)

    def provider_id(self) -> str:
        """The provider's id for this template; empty when none is configured."""
        return settings.SMS_TEMPLATE_IDS.get(self.name, "")


_REGISTRY: dict[str, SmsTemplate] = {}


def register(*, name: str, text: str) -> SmsTemplate:
    template = SmsTemplate(name=name, text=text)
    if _REGISTRY.get(name, template) != template:
        raise ValueError(f"SMS template {name!r} is already registered with other wording")
    _REGISTRY[name] = template
    return template


def get(name: str) -> SmsTemplate:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no SMS template named {name!r} is registered") from None


def registered() -> list[SmsTemplate]:
    return sorted(_REGISTRY.values(), key=lambda template: template.name)
