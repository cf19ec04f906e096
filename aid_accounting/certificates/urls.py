"""Certificate pages: the public verification page and a unit member's pages."""

from django.urls import path

from aid_accounting.certificates import views

app_name = "certificates"

urlpatterns = [
    # Codes are secrets.token_urlsafe: letters, digits, - and _.
    path("certificates/<slug:code>/", views.verify, name="verify"),
    path("account/units/<int:unit_id>/certificates/<int:year>/", views.unit_year, name="unit_year"),
    path(
        "account/units/<int:unit_id>/certificates/<int:year>/<slug:code>.pdf",
        views.download,
        name="download",
    ),
]
