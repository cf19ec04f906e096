"""No personal data of a household on any public page or staff export (issue
7's acceptance), checked on the whole demo by tests/test_demo_year.py."""

import io

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from aid_accounting.households.models import Household
from aid_accounting.notices.models import Notice
from aid_accounting.transparency.reports import REPORTS
from core.roles import AUDITOR
from producers.models import Village
from shop.catalogue.models import Category
from tests.factories import UserFactory


def _secrets() -> set[str]:
    found = set()
    for household in Household.objects.all():
        found |= {
            household.id_number,
            household.phone,
            household.bank_account_number,
            household.head_name,
        }
    found.discard("")
    return found


def _public_urls() -> list[str]:
    urls = ["/", "/en/", "/search/?q=番茄", "/categories/", "/villages/", "/notices/"]
    urls += [f"/categories/{slug}/" for slug in Category.objects.values_list("slug", flat=True)]
    urls += [f"/villages/{code}/" for code in Village.objects.values_list("code", flat=True)]
    urls += [page.url for page in Page.objects.live().specific() if page.depth > 1]
    published = Notice.objects.filter(status=Notice.Status.PUBLISHED)
    urls += [f"/notices/{pk}/" for pk in published.values_list("pk", flat=True)]
    urls += ["/open-data/", "/open-data/?format=csv"]
    urls += ["/impact/"] + [
        f"/impact/open-data/?dimension={dimension}"
        for dimension in ("village", "producer", "category")
    ]
    return urls


def _text(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return response.content.decode("utf-8-sig")


def assert_no_personal_data_is_public_or_exported() -> None:
    secrets = _secrets()
    assert len(secrets) > 2000  # the demo's 722 households, four values each
    anonymous = Client()
    auditor = UserFactory(username="exposure-auditor")
    auditor.groups.add(Group.objects.get(name=AUDITOR))
    staff = Client()
    staff.force_login(auditor)
    year = timezone.localdate().year
    responses = [(url, anonymous.get(url)) for url in _public_urls()]
    for slug in REPORTS:
        page = f"/admin/aid/reports/{slug}/"
        responses.append((page, staff.get(page, {"period": year})))
        for kind in ("csv", "xlsx"):
            # An auditor who asks for full numbers still gets masks.
            data = {"period": year, "format": kind, "purpose": "核对", "full": "on"}
            responses.append((f"{page}download/ {kind}", staff.post(f"{page}download/", data)))
    for url, response in responses:
        assert response.status_code == 200, url
        text = _text(response)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{url} shows {leaked[:3]}"
