from django.urls import path

from . import stripe_webhooks, views

urlpatterns = [
    path("dummy/<int:payment_id>/", views.dummy_payment, name="dummy_payment"),
    path("stripe/webhook/", stripe_webhooks.stripe_webhook, name="stripe_webhook"),
    path("stripe/<int:payment_id>/", views.stripe_payment, name="stripe_payment"),
    path("stripe/<int:payment_id>/return/", views.stripe_return, name="stripe_return"),
]
