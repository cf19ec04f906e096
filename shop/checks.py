"""System checks that stop a misconfigured shop from taking money.

Registered with the ``payments`` tag, which the WSGI entry point runs before it
serves a request (config/wsgi.py): ``manage.py check`` and gunicorn alike refuse."""

from django.conf import settings
from django.core import checks


@checks.register("payments")
def dummy_gateway_refused_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.PRODUCTION and "dummy" in settings.PAYMENT_GATEWAYS:
        return [
            checks.Error(
                "PAYMENT_GATEWAYS includes dummy in production (DJANGO_DEBUG=0): its page "
                "lets any buyer mark their own order paid.",
                hint="Set PAYMENT_GATEWAYS to the real gateways, e.g. wechatpay,alipay.",
                id="shop.E001",
            )
        ]
    return []
