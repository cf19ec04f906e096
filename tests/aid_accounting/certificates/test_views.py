"""The member's page, the PDF, the public verification page and the admin's screens."""

import io
import re

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from aid_accounting.certificates import fonts
from aid_accounting.certificates.issue import issue_certificate
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.certificates.pdf import _NoFetching, render_pdf, verification_url
from aid_accounting.exceptions import CertificateError
from aid_accounting.households.models import Household
from core.roles import AUDITOR
from tests.factories import UserFactory
from tests.shop.factories import UnitMembershipFactory
from tests.township import add_staff, refund

pytestmark = pytest.mark.django_db


def page_url(canteen, year: int = 2026) -> str:
    return f"/account/units/{canteen.unit.pk}/certificates/{year}/"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_member_issues_and_downloads_the_certificate(client, canteen):
    client.force_login(canteen.member)

    page = client.get(page_url(canteen))
    assert page.status_code == 200 and "¥59.70" in page.text
    issued = client.post(page_url(canteen))
    certificate = AidCertificate.objects.get()
    assert issued.status_code == 302 and issued["Location"].endswith(f"#c-{certificate.code}")
    listing = client.get(page_url(canteen)).text
    download_url = f"{page_url(canteen)}{certificate.code}.pdf"
    assert download_url in listing

    response = client.get(download_url)

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "刘垓子镇中心学校食堂" in text
    assert "2026" in text
    for amount in ("¥258.60", "¥59.70", "¥39.80", "¥19.90"):
        assert amount in text
    assert certificate.code in text
    assert certificate.digest in text.replace("\n", "")
    assert certificate.figures["periods"][0]["seal_hash"] in text.replace("\n", "")
    assert verification_url(certificate) in text.replace("\n", "")


def test_the_account_page_links_to_the_units_certificates(client, canteen):
    client.force_login(canteen.member)

    assert page_url(canteen) in client.get("/account/orders/").text


def test_strangers_get_404(client, canteen, staff):
    certificate = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    other_unit_member = UnitMembershipFactory().user
    for stranger in (UserFactory(), other_unit_member, staff):
        client.force_login(stranger)
        assert client.get(page_url(canteen)).status_code == 404
        assert client.post(page_url(canteen)).status_code == 404
        assert client.get(f"{page_url(canteen)}{certificate.code}.pdf").status_code == 404
        assert page_url(canteen) not in client.get("/account/orders/").text
    assert AidCertificate.objects.count() == 1


def test_a_year_out_of_range_is_not_found(client, canteen):
    client.force_login(canteen.member)

    assert client.get(page_url(canteen, 2027)).status_code == 404
    assert client.post(page_url(canteen, 2019)).status_code == 404


def test_the_verification_page_confirms_then_reports_a_refund(client, canteen, staff):
    certificate = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    url = f"/certificates/{certificate.code}/"

    page = client.get(url)

    assert page.status_code == 200
    assert "一致" in page.text and "与账簿不一致" not in page.text
    assert '<meta name="robots" content="noindex' in page.text
    assert page["X-Robots-Tag"] == "noindex"
    assert "no-store" in page["Cache-Control"]
    for household in Household.objects.all():
        assert household.head_name not in page.text
        assert household.registration_number not in page.text

    refund(
        canteen.october,
        staff=staff,
        line=canteen.october.lines.get(product_title="大棚番茄"),
        quantity=1,
    )
    page = client.get(url)

    assert "与账簿不一致" in page.text
    assert re.search(r"带动帮扶资金</td><td[^>]*>¥59.70</td><td[^>]*>¥49.75", page.text)


def test_an_unknown_code_is_not_found(client, canteen):
    assert client.get("/certificates/no-such-code/").status_code == 404


def test_aid_officers_issue_from_the_admin(client, canteen, aid_officer):
    client.force_login(aid_officer)

    response = client.post(
        "/admin/aid/certificates/issue/", {"unit": canteen.unit.pk, "year": 2026}
    )

    certificate = AidCertificate.objects.get()
    assert certificate.issued_by == aid_officer
    assert response.status_code == 302
    assert canteen.unit.name in client.get("/admin/aid_certificates/").text
    pdf = client.get(f"/admin/aid/certificates/{certificate.pk}/pdf/")
    assert certificate.code in pdf_text(pdf.content)


def refused(response) -> bool:
    """Wagtail answers a permission denied in the admin by sending to its home."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_auditors_read_but_do_not_issue_and_editors_neither(client, canteen, staff):
    issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    client.force_login(add_staff(AUDITOR))
    assert client.get("/admin/aid_certificates/").status_code == 200
    assert refused(
        client.post("/admin/aid/certificates/issue/", {"unit": canteen.unit.pk, "year": 2026})
    )
    client.force_login(staff)
    assert refused(client.get("/admin/aid/certificates/issue/"))
    assert AidCertificate.objects.count() == 1


def test_printing_fetches_nothing():
    page = HTML(string='<img src="https://example.com/logo.png">', url_fetcher=_NoFetching())

    with pytest.raises(FatalURLFetchingError, match="fetches nothing"):
        page.write_pdf()


def test_without_a_chinese_font_nothing_is_printed(canteen, monkeypatch):
    certificate = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    fonts.cjk_families.cache_clear()
    try:
        with pytest.raises(CertificateError, match="中文字体"):
            render_pdf(certificate)
        assert [m.id for m in fonts.cjk_font_installed(None)] == ["aid_accounting.W101"]
    finally:
        fonts.cjk_families.cache_clear()
