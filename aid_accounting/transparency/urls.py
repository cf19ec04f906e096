"""The public notices' pages (公示), under /notices/."""

from django.urls import path

from aid_accounting.transparency import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_index, name="index"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
]
