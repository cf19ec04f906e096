"""Pages the aid accounting adds to the producer portal (see producers/portal.py)."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("earnings/", portal_views.earnings_page, name="earnings"),
    path("earnings/statement.csv", portal_views.earnings_csv, name="earnings_csv"),
]
