"""Downloading a document (/documents/<key>/<filename>), the only way its file leaves
the server: Wagtail's own serving, by counting id, is not routed (config/urls.py)."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from shop.documents.access import may_download
from shop.documents.models import PrivateDocument


@require_safe
def download(request, key, filename):
    document = PrivateDocument.objects.filter(key=key).select_related("collection").first()
    # 404 for every refusal: a 403 would confirm to a stranger that the key exists.
    if (
        document is None
        or document.filename != filename
        or not may_download(request.user, document)
    ):
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    # Never kept by a shared cache or the browser: a staff computer may be shared.
    response["Cache-Control"] = "private, no-store"
    return response
