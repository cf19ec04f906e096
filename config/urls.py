from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from .health import healthz
from .i18n import set_language

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    # Outside the language prefix: gateways call back to fixed addresses.
    path("payments/", include("shop.payments.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Chinese pages have no prefix; English ones live under /en/.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("shop.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
