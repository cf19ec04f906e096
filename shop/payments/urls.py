from django.urls import path

from . import stripe_webhooks, views

# Pages the buyer sees: under the language prefix, so an English buyer stays in English.
page_urlpatterns = [
    path("dummy/<int:payment_id>/", views.dummy_payment, name="dummy_payment"),
    path("stripe/<int:payment_id>/", views.stripe_payment, name="stripe_payment"),
    path("stripe/<int:payment_id>/return/", views.stripe_return, name="stripe_return"),
]

# Addresses gateways call: fixed, without a language prefix.
webhook_urlpatterns = [
    path("stripe/webhook/", stripe_webhooks.stripe_webhook, name="stripe_webhook"),
]
