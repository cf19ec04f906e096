from django.urls import path

from . import views

urlpatterns = [
    path("dummy/<int:payment_id>/", views.dummy_payment, name="dummy_payment"),
]
