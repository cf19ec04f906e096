"""Start-up with bad configuration stops with one clear line; production passes --deploy."""

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.conf import settings

# Variables the settings read, removed so the outer environment (CI's PostgreSQL
# and Redis, say) does not leak into these runs.
CONFIG_VARIABLES = {
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "DJANGO_DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEY",
    "PAYMENT_GATEWAYS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "ALIPAY_APP_ID",
    "ALIPAY_PRIVATE_KEY_PATH",
    "ALIPAY_PUBLIC_KEY_PATH",
    "ALIPAY_GATEWAY_URL",
    "EMAIL_BACKEND",
    "SMS_BACKEND",
    "SMS_TEMPLATE_IDS",
    "SMS_PROVIDER_PROTOCOL",
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_TENCENT_SECRET_ID",
    "SMS_TENCENT_SECRET_KEY",
    "SMS_TENCENT_APP_ID",
    *(
        f"WECHATPAY_{name}"
        for name in (
            "MCHID",
            "APPID",
            "APP_SECRET",
            "APIV3_KEY",
            "CERT_SERIAL_NO",
            "PRIVATE_KEY_PATH",
            "PUBLIC_KEY_PATH",
            "PUBLIC_KEY_ID",
            "API_BASE",
            "OAUTH_BASE",
        )
    ),
}
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "shop.example.org",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "PAYMENT_GATEWAYS": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_example",
    "SMS_BACKEND": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI5tExample",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "example-secret",
}


# WeChat Pay with key files that are not there: each is read at start-up.
WECHATPAY = {
    "PAYMENT_GATEWAYS": "wechatpay",
    "WECHATPAY_MCHID": "1900000109",
    "WECHATPAY_APPID": "wxd678efh567hg6787",
    "WECHATPAY_APP_SECRET": "app-secret",
    "WECHATPAY_APIV3_KEY": "0123456789abcdef0123456789abcdef",
    "WECHATPAY_CERT_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "WECHATPAY_PRIVATE_KEY_PATH": "/nonexistent/apiclient_key.pem",
    "WECHATPAY_PUBLIC_KEY_PATH": "/nonexistent/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0119000001092025061800000000000000",
}


def run(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    # DJANGO_* too: the e2e tests set DJANGO_ALLOW_ASYNC_UNSAFE, which --deploy rejects.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in CONFIG_VARIABLES and not k.startswith("DJANGO_")
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k != name}


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DATABASE_URL": "postgres://u@h:notaport/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@h:5432"}, "DATABASE_URL"),
        ({"CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"PAYMENT_GATEWAYS": "bogus"}, "PAYMENT_GATEWAYS"),
        ({"SMS_BACKEND": "bogus"}, "SMS_BACKEND"),
        ({"SMS_PROVIDER_PROTOCOL": "ftp"}, "SMS_PROVIDER_PROTOCOL"),
        ({"PAYMENT_GATEWAYS": "stripe"}, "STRIPE_SECRET_KEY"),
        ({"PAYMENT_GATEWAYS": "alipay"}, "ALIPAY_APP_ID"),
        (
            {
                "PAYMENT_GATEWAYS": "alipay",
                "ALIPAY_APP_ID": "2021000000000001",
                "ALIPAY_PRIVATE_KEY_PATH": "/nonexistent/app_private_key.pem",
                "ALIPAY_PUBLIC_KEY_PATH": "/nonexistent/alipay_public_key.pem",
            },
            "/nonexistent/app_private_key.pem",
        ),
        ({"ALIPAY_GATEWAY_URL": "openapi.alipay.com/gateway.do"}, "ALIPAY_GATEWAY_URL"),
        ({"PAYMENT_GATEWAYS": "wechatpay"}, "WECHATPAY_MCHID"),
        ({**WECHATPAY, "WECHATPAY_PUBLIC_KEY_ID": ""}, "WECHATPAY_PUBLIC_KEY_ID"),
        ({**WECHATPAY, "WECHATPAY_APIV3_KEY": "short"}, "WECHATPAY_APIV3_KEY"),
        (WECHATPAY, "/nonexistent/apiclient_key.pem"),
        (without("PAYMENT_GATEWAYS"), "PAYMENT_GATEWAYS"),
        (without("SECRET_KEY"), "SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY"),
        (without("ALLOWED_HOSTS"), "ALLOWED_HOSTS"),
        (without("FIELD_ENCRYPTION_KEY"), "FIELD_ENCRYPTION_KEY"),
        ({**PRODUCTION, "FIELD_ENCRYPTION_KEY": "not-a-key"}, "FIELD_ENCRYPTION_KEY"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_configuration_stops_with_one_line_naming_the_variable(variables, named):
    result = run("manage.py", "check", **variables)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]


def test_the_wsgi_entry_point_also_stops_with_one_line():
    result = run("-c", "import config.wsgi", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DJANGO_DEBUG must be 0 or 1 (got 'maybe')."
    ]


def test_production_settings_pass_the_deployment_checks():
    # Every template the code registers has its approved id (messaging.E004).
    listed = run("manage.py", "sms_templates").stdout.splitlines()
    ids = ",".join(f"{line.split()[0]}=SMS_{n}" for n, line in enumerate(listed))
    assert "buyer_order_paid" in ids and "producer_new_order" in ids

    result = run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        SMS_TEMPLATE_IDS=ids,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_dummy_gateway():
    result = run("manage.py", "check", **{**PRODUCTION, "PAYMENT_GATEWAYS": "stripe,dummy"})

    assert result.returncode != 0
    assert "shop.E001" in result.stderr
    assert "PAYMENT_GATEWAYS" in result.stderr


def test_the_wsgi_entry_point_refuses_the_dummy_gateway_in_production():
    result = run("-c", "import config.wsgi", **{**PRODUCTION, "PAYMENT_GATEWAYS": "dummy"})

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "shop.E001" in result.stderr


def test_the_wsgi_entry_point_refuses_console_text_messages_in_production():
    result = run("-c", "import config.wsgi", **{**PRODUCTION, "SMS_BACKEND": "console"})

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "messaging.E001" in result.stderr


def test_production_serves_no_dummy_payment_page():
    script = (
        "import django; django.setup();"
        "from django.urls import NoReverseMatch, reverse\n"
        "try:\n    reverse('dummy_payment', args=[1])\nexcept NoReverseMatch:\n    print('absent')"
    )
    result = run("-c", script, **PRODUCTION)

    assert result.stdout.strip() == "absent", result.stderr


def test_wechatpay_starts_with_its_key_files_read(tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pems = {
        "PRIVATE_KEY_PATH": private.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        ),
        "PUBLIC_KEY_PATH": private.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        ),
    }
    keys = {}
    for name, pem in pems.items():
        path = tmp_path / f"{name.lower()}.pem"
        path.write_bytes(pem)
        keys[f"WECHATPAY_{name}"] = str(path)

    result = run("manage.py", "check", **{**WECHATPAY, **keys})

    assert result.returncode == 0, result.stderr
    missing = run("manage.py", "check", **{**WECHATPAY, **keys, "WECHATPAY_PUBLIC_KEY_PATH": "/x"})
    assert missing.returncode != 0
    assert "WECHATPAY_PUBLIC_KEY_PATH" in missing.stderr and "/x" in missing.stderr
