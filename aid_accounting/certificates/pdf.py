"""A certificate as a PDF (WeasyPrint), printed from its stored figures, with
a QR code of its public verification page. Nothing is fetched while printing:
the QR code is inline SVG, the style is in the page, fonts come from
fontconfig, and any URL the page names is refused."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from aid_accounting.certificates.fonts import font_stack
from aid_accounting.certificates.models import AidCertificate


def verification_url(certificate: AidCertificate) -> str:
    """The public page that checks ``certificate``, as an absolute address (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/") + reverse(
        "certificates:verify", kwargs={"code": certificate.code}
    )


def certificate_context(certificate: AidCertificate) -> dict:
    url = verification_url(certificate)
    return {
        "certificate": certificate,
        "figures": certificate.figures,
        "unit": certificate.unit,
        "issued_on": timezone.localtime(certificate.issued_at).date(),
        "verification_url": url,
        # segno writes only its own markup: the URL is ours, escaped as XML by segno.
        "qr_svg": mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2)),
        "font_stack": font_stack(),
    }


class _NoFetching(URLFetcher):
    """Refuses every URL, and stops the printing: a certificate needs nothing
    from outside, so a URL in it is a mistake to be seen, not skipped."""

    def fetch(self, url, headers=None):
        raise FatalURLFetchingError(f"a certificate fetches nothing while printing: {url[:80]}")


def render_pdf(certificate: AidCertificate) -> bytes:
    html = render_to_string(
        "aid_accounting/certificates/certificate.html", certificate_context(certificate)
    )
    return HTML(string=html, url_fetcher=_NoFetching(), base_url=None).write_pdf()


def filename(certificate: AidCertificate) -> str:
    return f"aid-certificate-{certificate.year}-{certificate.code[:8]}.pdf"
