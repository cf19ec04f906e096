"""The portal's own pages; config/urls.py joins them with the pages the shop
and the aid accounting add under /portal/, in the ``portal`` namespace."""

from django.urls import path

from producers.portal import views

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("login/", views.portal_login, name="login"),
    path("logout/", views.portal_logout, name="logout"),
    path("switch/", views.switch_producer, name="switch"),
    path("notices/", views.notice_choice, name="notice_choice"),
]
