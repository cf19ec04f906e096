"""Production refuses to run with text messages that would not reach a phone."""

import pytest
from django.core import checks

from messaging.sms import templates

ALIYUN = {
    "SMS_BACKEND": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI5tExample",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "example-secret",
}
TENCENT = {
    "SMS_BACKEND": "tencent",
    "SMS_TENCENT_SECRET_ID": "AKIDexample",
    "SMS_TENCENT_SECRET_KEY": "example-key",
    "SMS_TENCENT_APP_ID": "1400006666",
}


def errors(settings, **values) -> list[tuple[str, str]]:
    settings.PRODUCTION = True
    settings.SMS_PROVIDER_PROTOCOL = "https"
    # Every template registered so far (the tests register their own) has an id.
    settings.SMS_TEMPLATE_IDS = {t.name: f"SMS_{n}" for n, t in enumerate(templates.registered())}
    for name, value in values.items():
        setattr(settings, name, value)
    return [(m.id, m.msg) for m in checks.run_checks(tags=["messaging"]) if m.is_serious()]


@pytest.mark.parametrize("provider", [ALIYUN, TENCENT], ids=["aliyun", "tencent"])
def test_a_configured_provider_passes(settings, provider):
    assert errors(settings, **provider) == []


def test_outside_production_the_console_is_fine(settings):
    settings.SMS_BACKEND = "console"
    assert [m for m in checks.run_checks(tags=["messaging"]) if m.is_serious()] == []


@pytest.mark.parametrize("backend", ["console", "locmem"])
def test_production_refuses_a_backend_that_reaches_no_phone(settings, backend):
    [(check_id, message)] = errors(settings, SMS_BACKEND=backend)

    assert check_id == "messaging.E001"
    assert f"SMS_BACKEND is {backend}" in message


@pytest.mark.parametrize(
    ("provider", "missing"),
    [
        (ALIYUN, "SMS_ALIYUN_ACCESS_KEY_ID"),
        (ALIYUN, "SMS_ALIYUN_ACCESS_KEY_SECRET"),
        (TENCENT, "SMS_TENCENT_SECRET_ID"),
        (TENCENT, "SMS_TENCENT_SECRET_KEY"),
        (TENCENT, "SMS_TENCENT_APP_ID"),
    ],
)
def test_production_refuses_a_provider_without_its_credentials(settings, provider, missing):
    [(check_id, message)] = errors(settings, **{**provider, missing: ""})

    assert check_id == "messaging.E002"
    assert missing in message


def test_production_refuses_plain_http_to_the_provider(settings):
    [(check_id, _)] = errors(settings, **ALIYUN | {"SMS_PROVIDER_PROTOCOL": "http"})

    assert check_id == "messaging.E003"


def test_production_refuses_a_registered_template_without_a_provider_id(settings):
    unapproved = templates.register(name="test_unapproved", text="新模板${x}。")
    configured = {t.name: "SMS_1" for t in templates.registered() if t != unapproved}

    [(check_id, message)] = errors(settings, **ALIYUN, SMS_TEMPLATE_IDS=configured)

    assert check_id == "messaging.E004"
    assert "test_unapproved" in message
