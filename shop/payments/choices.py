"""The ways to pay offered on the pay page: the enabled gateways' methods that
work in the buyer's browser, with the names buyers know them by."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shop.payments.gateway import Device, enabled_gateways, get_gateway

# (gateway, method) → (name, how it goes). One place for the pay page's wording.
LABELS: dict[tuple[str, str], tuple[Promise, Promise]] = {
    ("wechatpay", "native"): (_("微信支付"), _("用微信扫一扫付款")),
    ("wechatpay", "h5"): (_("微信支付"), _("打开微信付款")),
    ("wechatpay", "jsapi"): (_("微信支付"), _("在微信中直接付款")),
    ("alipay", "page"): (_("支付宝"), _("扫码或登录支付宝付款")),
    ("alipay", "wap"): (_("支付宝"), _("打开支付宝付款")),
    ("stripe", "card"): (_("银行卡"), _("境外银行卡，经 Stripe 付款")),
    ("stripe", "alipay"): (_("支付宝（Stripe）"), _("适合境外买家")),
    ("stripe", "wechat_pay"): (_("微信支付（Stripe）"), _("适合境外买家，扫码付款")),
    ("dummy", "card"): (_("模拟付款"), _("开发与演示用，不会扣款")),
}


@dataclass(frozen=True)
class PaymentChoice:
    gateway: str
    method: str
    name: str
    how: str


def payment_choices(*, device: Device) -> list[PaymentChoice]:
    choices = []
    for gateway_name in enabled_gateways():
        for method in get_gateway(gateway_name).methods_for(device=device):
            name, how = LABELS[(gateway_name, method)]
            choices.append(PaymentChoice(gateway_name, method, str(name), str(how)))
    return choices
