"""Alipay's settings, read from the environment at start-up (in a fresh process, as
manage.py and the WSGI entry point read them)."""

import json

import pytest

from tests.config.test_startup import run
from tests.shop.payments.alipay.conftest import APP_ID

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({'form_action': [str(s) for s in settings.SECURE_CSP['form-action']], "
    "'private': settings.ALIPAY_PRIVATE_KEY, 'public': settings.ALIPAY_PUBLIC_KEY}))"
)


@pytest.fixture
def alipay_env(alipay_keys) -> dict[str, str]:
    return {
        "PAYMENT_GATEWAYS": "alipay",
        "ALIPAY_APP_ID": APP_ID,
        "ALIPAY_PRIVATE_KEY_PATH": str(alipay_keys.app_private_path),
        "ALIPAY_PUBLIC_KEY_PATH": str(alipay_keys.alipay_public_path),
    }


def settings_with(**variables: str) -> dict:
    result = run("-c", PRINT_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_key_files_are_read_at_start_up(alipay_env, alipay_keys):
    settings = settings_with(**alipay_env)

    assert settings["private"] == alipay_keys.app.private_pem
    assert settings["public"] == alipay_keys.alipay.public_pem


@pytest.mark.parametrize(
    ("gateway_url", "form_action"),
    [
        (None, ["https://openapi.alipay.com", "https://*.alipay.com"]),
        (
            "https://openapi-sandbox.dl.alipaydev.com/gateway.do",
            ["https://openapi-sandbox.dl.alipaydev.com", "https://*.dl.alipaydev.com"],
        ),
        ("http://127.0.0.1:8765/gateway.do", ["http://127.0.0.1:8765"]),
    ],
    ids=["production", "sandbox", "loopback"],
)
def test_forms_may_be_redirected_to_the_configured_gateway_and_its_cashier(
    alipay_env, gateway_url, form_action
):
    variables = alipay_env | ({"ALIPAY_GATEWAY_URL": gateway_url} if gateway_url else {})

    assert settings_with(**variables)["form_action"] == ["'self'", *form_action]


def test_without_alipay_forms_post_to_the_site_alone():
    assert settings_with(PAYMENT_GATEWAYS="dummy")["form_action"] == ["'self'"]


@pytest.mark.parametrize(
    ("variable", "content", "problem"),
    [
        ("ALIPAY_PRIVATE_KEY_PATH", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "not an RSA private key"),
        ("ALIPAY_PUBLIC_KEY_PATH", "private", "not an RSA public key"),
        ("ALIPAY_PRIVATE_KEY_PATH", "public", "not an RSA private key"),
    ],
    ids=["bare-base64", "private-for-public", "public-for-private"],
)
def test_a_key_file_that_is_not_the_right_pem_key_names_its_variable_and_path(
    alipay_env, alipay_keys, tmp_path, variable, content, problem
):
    # Alipay's key tool writes bare base64: the file must be wrapped as PEM (docs/deploy.md).
    text = {"private": alipay_keys.app.private_pem, "public": alipay_keys.alipay.public_pem}
    path = tmp_path / "key.pem"
    path.write_text(text.get(content, content))

    result = run("manage.py", "check", **(alipay_env | {variable: str(path)}))

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Configuration error: {variable}: {path} is {problem} in PEM format."
    ]
