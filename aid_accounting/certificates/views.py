"""Certificate pages: the public verification page (``/certificates/<code>/``,
anyone with the code: the QR code on the PDF), and a unit member's page under
their account (``/account/units/<id>/certificates/<year>/``: issue and download).
Nobody else learns that a unit or a certificate exists: 404.

None of them is stored by the page cache, a browser or a proxy (``never_cache``:
a verdict is computed from the books at each request)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from aid_accounting.certificates import figures as unit_figures
from aid_accounting.certificates import limits
from aid_accounting.certificates.issue import FIRST_YEAR, issue_certificate, verify_certificate
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.certificates.pdf import filename, render_pdf
from aid_accounting.exceptions import CertificateError
from shop.accounts.texts import client_ip
from shop.institutions.models import BuyingUnit


@never_cache
@require_GET
def verify(request, code: str):
    if not limits.allow(client_ip(request), now=timezone.now()):
        response = TemplateResponse(
            request, "aid_accounting/certificates/too_many.html", {}, status=429
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    certificate = get_object_or_404(AidCertificate.objects.select_related("unit"), code=code)
    response = TemplateResponse(
        request,
        "aid_accounting/certificates/verify.html",
        {
            "certificate": certificate,
            "figures": certificate.figures,
            "verification": verify_certificate(certificate),
            "checked_at": timezone.localtime(),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _member_unit(request, unit_id: int) -> BuyingUnit:
    unit = BuyingUnit.objects.filter(pk=unit_id).first()
    if unit is None or not unit.memberships.filter(user=request.user).exists():
        raise Http404
    return unit


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    return year


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def unit_year(request, unit_id: int, year: int):
    unit = _member_unit(request, unit_id)
    year = _year(year)
    if request.method == "POST":
        try:
            certificate = issue_certificate(unit=unit, year=year, actor=request.user)
        except CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("帮扶证明已生成，可以下载 PDF。"))
            return redirect(f"{request.path}#c-{certificate.code}")
        return redirect(request.path)
    this_year = timezone.localdate().year
    return TemplateResponse(
        request,
        "aid_accounting/certificates/unit_year.html",
        {
            "unit": unit,
            "year": year,
            "years": list(range(this_year, max(FIRST_YEAR, this_year - 4) - 1, -1)),
            "figures": unit_figures.unit_year(unit_id=unit.pk, year=year),
            "certificates": unit.aid_certificates.filter(year=year).select_related("issued_by"),
        },
    )


@never_cache
@login_required
@require_GET
def download(request, unit_id: int, year: int, code: str):
    unit = _member_unit(request, unit_id)
    certificate = get_object_or_404(AidCertificate, unit=unit, year=year, code=code)
    return pdf_response(certificate)


def pdf_response(certificate: AidCertificate) -> HttpResponse:
    response = HttpResponse(render_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(certificate)}"'
    return response
