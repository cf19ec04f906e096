"""System checks that stop production from losing its text messages.

A shop in production whose messages print to a console, whose provider keys are
missing or whose templates have no approved id at the provider would accept orders
and tell nobody. Registered with the ``messaging`` tag, which the WSGI entry point
runs before it serves a request (config/wsgi.py), as ``manage.py check`` does."""

from django.conf import settings
from django.core import checks

from messaging.sms import templates

# The settings each provider's adapter cannot work without.
PROVIDER_SETTINGS = {
    "aliyun": ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET"),
    "tencent": ("SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_TENCENT_APP_ID"),
}


@checks.register("messaging")
def sms_provider_configured_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return []
    backend = settings.SMS_BACKEND
    if backend not in PROVIDER_SETTINGS:
        return [
            checks.Error(
                f"SMS_BACKEND is {backend} in production (DJANGO_DEBUG=0): no text message "
                "would reach a phone.",
                hint="Set SMS_BACKEND to aliyun or tencent and its keys (docs/messages.md).",
                id="messaging.E001",
            )
        ]
    errors = [
        checks.Error(
            f"{name} must be set for SMS_BACKEND={backend} in production.",
            id="messaging.E002",
        )
        for name in PROVIDER_SETTINGS[backend]
        if not getattr(settings, name)
    ]
    if settings.SMS_PROVIDER_PROTOCOL != "https":
        errors.append(
            checks.Error(
                "SMS_PROVIDER_PROTOCOL is http in production: messages and their "
                "parameters (sign-in codes) would cross the network in clear text.",
                id="messaging.E003",
            )
        )
    unconfigured = [
        template.name for template in templates.registered() if not template.provider_id()
    ]
    if unconfigured:
        errors.append(
            checks.Error(
                f"SMS templates without an id at the provider: {', '.join(unconfigured)}.",
                hint="Have each template's wording approved by the provider and add its id "
                "to SMS_TEMPLATE_IDS (name=id pairs; docs/messages.md).",
                id="messaging.E004",
            )
        )
    return errors
