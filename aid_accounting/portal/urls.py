"""Pages the aid accounting adds to the producer portal (see producers/portal/base.py)."""

from django.urls import path

from aid_accounting.portal import views

urlpatterns = [
    path("earnings/", views.earnings_page, name="earnings"),
    path("earnings/statement.csv", views.earnings_csv, name="earnings_csv"),
]
