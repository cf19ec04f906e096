from django.urls import path

from . import notice_views

app_name = "notices"

urlpatterns = [
    path("", notice_views.notice_index, name="index"),
    path("<int:notice_id>/", notice_views.notice_detail, name="detail"),
]
