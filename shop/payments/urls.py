"""The payment pages and notification addresses of every gateway."""

from django.conf import settings
from django.urls import path

from shop.payments.alipay import notify as alipay_notify
from shop.payments.alipay import views as alipay_views
from shop.payments.dummy import views as dummy_views
from shop.payments.stripe import views as stripe_views
from shop.payments.stripe import webhooks as stripe_webhooks
from shop.payments.wechatpay import views as wechatpay_views
from shop.payments.wechatpay import webhooks as wechatpay_webhooks

# Pages the buyer sees: under the language prefix, so an English buyer stays in English.
page_urlpatterns = [
    path("stripe/<int:payment_id>/", stripe_views.stripe_payment, name="stripe_payment"),
    path("stripe/<int:payment_id>/return/", stripe_views.stripe_return, name="stripe_return"),
    path("alipay/<int:payment_id>/return/", alipay_views.alipay_return, name="alipay_return"),
    path("wechatpay/<int:payment_id>/", wechatpay_views.wechatpay_native, name="wechatpay_native"),
    path(
        "wechatpay/<int:payment_id>/status/",
        wechatpay_views.wechatpay_status,
        name="wechatpay_status",
    ),
    path(
        "wechatpay/<int:payment_id>/return/",
        wechatpay_views.wechatpay_return,
        name="wechatpay_return",
    ),
    path(
        "wechatpay/<int:payment_id>/jsapi/", wechatpay_views.wechatpay_jsapi, name="wechatpay_jsapi"
    ),
    path("wechatpay/oauth/", wechatpay_views.wechatpay_oauth, name="wechatpay_oauth"),
]
if not settings.PRODUCTION:
    # Fail closed: in production the page where a buyer marks their own order
    # paid does not exist at all (and the system check refuses the gateway).
    page_urlpatterns.append(
        path("dummy/<int:payment_id>/", dummy_views.dummy_payment, name="dummy_payment")
    )

# Addresses gateways call: fixed, without a language prefix.
webhook_urlpatterns = [
    path("stripe/webhook/", stripe_webhooks.stripe_webhook, name="stripe_webhook"),
    path("alipay/notify/", alipay_notify.alipay_notify, name="alipay_notify"),
    # Registered at WeChat Pay as notify_url with each order and refund.
    path("wechatpay/notify/", wechatpay_webhooks.wechatpay_notify, name="wechatpay_notify"),
    path(
        "wechatpay/refund-notify/",
        wechatpay_webhooks.wechatpay_notify,
        name="wechatpay_refund_notify",
    ),
]
