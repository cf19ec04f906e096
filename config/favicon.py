"""``/favicon.ico``: browsers ask for it at the root whatever the page says, so it
redirects to the icon among the static files (by its hashed name in production,
which may change with each release: the redirect itself is not permanent)."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    response = HttpResponseRedirect(static("img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response
