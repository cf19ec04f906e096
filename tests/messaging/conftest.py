"""SMS providers under test: each adapter's official SDK talks plain http to a local
fake of its provider (tests/messaging/fakes/), which checks the SDK's signature
with the test key pair configured here."""

from collections.abc import Iterator

import pytest

from messaging.sms import templates
from tests.messaging.fakes import serving_fake
from tests.messaging.fakes.aliyun import FakeAliyun
from tests.messaging.fakes.tencent import FakeTencent

SIGN_NAME = "刘垓子镇"
# Three parameters, so their order shows at Tencent, whose templates number them.
SHIPPED = templates.register(
    name="test_order_shipped",
    text="您的订单${order}已由${courier}发出，运单号${tracking}。",
)
ALIYUN_KEY = ("LTAI5tTestAccessKeyId", "test-access-key-secret-0123456789")
TENCENT_KEY = ("AKIDtestSecretId0123456789", "test-secret-key-0123456789abcdef")
TENCENT_APP_ID = "1400006666"


@pytest.fixture
def fake_aliyun(settings) -> Iterator[FakeAliyun]:
    """Aliyun as SMS_BACKEND, its API the fake, the test template approved as SMS_1001."""
    fake = FakeAliyun(
        keys=dict([ALIYUN_KEY]),
        sign_names={SIGN_NAME},
        templates={"SMS_1001": "您的订单${order}已由${courier}发出，运单号${tracking}。"},
    )
    with serving_fake(fake):
        settings.SMS_BACKEND = "aliyun"
        settings.SMS_SIGN_NAME = SIGN_NAME
        settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "SMS_1001"}
        settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_KEY
        settings.SMS_ALIYUN_ENDPOINT = fake.host
        settings.SMS_PROVIDER_PROTOCOL = "http"
        yield fake


@pytest.fixture
def fake_tencent(settings) -> Iterator[FakeTencent]:
    """Tencent as SMS_BACKEND, its API the fake, the test template approved as 1001."""
    fake = FakeTencent(
        app_id=TENCENT_APP_ID,
        keys=dict([TENCENT_KEY]),
        sign_names={SIGN_NAME},
        templates={"1001": "您的订单{1}已由{2}发出，运单号{3}。"},
    )
    with serving_fake(fake):
        settings.SMS_BACKEND = "tencent"
        settings.SMS_SIGN_NAME = SIGN_NAME
        settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "1001"}
        settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = TENCENT_KEY
        settings.SMS_TENCENT_APP_ID = TENCENT_APP_ID
        settings.SMS_TENCENT_ENDPOINT = fake.host
        settings.SMS_PROVIDER_PROTOCOL = "http"
        yield fake
