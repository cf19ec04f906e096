from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.decorators.cache import never_cache
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from aid_accounting.portal import urls as aid_portal_urls
from aid_accounting.transparency.views import impact_view, open_data_html, open_data_view
from config.favicon import favicon
from config.health import healthz
from config.i18n import set_language
from producers.portal import urls as producer_portal_urls
from shop.payments import urls as payment_urls
from shop.portal import urls as shop_portal_urls
from shop.views import documents

handler500 = "config.unavailable.server_error"

# Wagtail's admin ships two pages for testing it: failwhale/ raises an error on purpose
# (a 500, and an error report, that any staff member can cause at will) and test404/.
# They are left out; their addresses fall to the admin's "not found".
ADMIN_TEST_ROUTES = frozenset({"failwhale/", "test404/"})
admin_urlpatterns = [
    pattern
    for pattern in wagtailadmin_urls.urlpatterns
    if str(pattern.pattern) not in ADMIN_TEST_ROUTES
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", include(admin_urlpatterns)),
    # Not Wagtail's document URLs: those serve by counting id to anyone a collection's
    # privacy lets through; ours only to staff who may use the document.
    path("documents/<uuid:key>/<str:filename>", documents.download, name="document_download"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Outside the language prefix: gateways call back to fixed addresses.
    path("payments/", include(payment_urls.webhook_urlpatterns)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The producer portal: its pages come from the app that owns what each shows.
portal_patterns = (
    producer_portal_urls.urlpatterns + shop_portal_urls.urlpatterns + aid_portal_urls.urlpatterns
)

# Log-in, sign-up, MFA and payment pages show a person's e-mail, number, codes or order:
# no browser or proxy keeps them.
account_patterns = decorate_urlpatterns(include("allauth.urls")[0].urlpatterns, never_cache)
payment_page_patterns = decorate_urlpatterns(payment_urls.page_urlpatterns, never_cache)

# Chinese pages have no prefix; English ones live under /en/.
urlpatterns += i18n_patterns(
    path("portal/", include((portal_patterns, "portal"))),
    path("payments/", include(payment_page_patterns)),
    path("accounts/", include(account_patterns)),
    path("open-data/", open_data_view, name="open_data"),
    path("impact/", impact_view, name="impact"),
    path("impact/open-data/", open_data_html, name="open_data_html"),
    path("", include("shop.urls")),
    path("", include("aid_accounting.certificates.urls")),
    path("notices/", include("aid_accounting.transparency.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
