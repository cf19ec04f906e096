"""The reports and their CSV and XLSX downloads: the same totals as the
dashboard; downloads are posted, one that lists households states its purpose
and comes masked unless an aid officer asks for it in full, which is audit-logged
with the purpose."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from aid_accounting.calendar import Year
from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.transparency.dashboard import dashboard
from aid_accounting.transparency.reports import (
    AID_ACCRUED,
    DISTRIBUTED,
    PAID_OUT,
    PAYABLE,
    REFUNDED,
    SALES,
    Filters,
    aid_by_village,
    households_by_village,
    ledger_journal,
    payout_batches,
    sales_by_producer,
)
from core.roles import BUYER, TOWNSHIP_EDITOR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


YEAR = Filters(period=Year(2026))


def url(slug: str) -> str:
    return reverse("aid_report", args=[slug])


def download(client, slug: str, kind: str, **data):
    return client.post(
        reverse("aid_report_download", args=[slug]), {"period": "2026", "format": kind, **data}
    )


def read_csv(response) -> list[dict[str, str]]:
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def fen(yuan_text: str) -> int:
    return int(Decimal(yuan_text) * 100)


def test_report_totals_are_the_dashboards(township, auditor):
    totals = dashboard(period=YEAR.period).totals

    sales = sales_by_producer(filters=YEAR)
    assert sales.total(str(SALES)) == totals.sales_fen
    assert sales.total(str(REFUNDED)) == totals.refunded_fen
    assert sales.total(str(AID_ACCRUED)) == totals.aid_accrued_fen
    villages = aid_by_village(filters=YEAR)
    assert villages.total(str(DISTRIBUTED)) == totals.distributed_fen
    assert villages.total(str(PAID_OUT)) == totals.paid_out_fen
    households = households_by_village(filters=YEAR, user=auditor)
    assert households.total(str(DISTRIBUTED)) == totals.distributed_fen
    assert households.total(str(PAID_OUT)) == totals.paid_out_fen
    assert households.total(str(PAYABLE)) == totals.payable_fen
    assert payout_batches(filters=YEAR).total("已付款（元）") == totals.paid_out_fen
    journal = ledger_journal(filters=YEAR)
    assert journal.total("借方（元）") == journal.total("贷方（元）") > 0


def test_filters_narrow_the_rows(township, tomato):
    producer = tomato.product.producer
    only = Filters(period=YEAR.period, producer_id=producer.pk)

    assert [row[0] for row in sales_by_producer(filters=only).rows] == [producer.name]
    village = Filters(period=YEAR.period, village_id=producer.village_id)
    assert {row[0] for row in aid_by_village(filters=village).rows} == {producer.village.name}
    journal = ledger_journal(filters=only).rows
    assert journal
    assert all(row[-1] or row[4] == f"producer:{producer.pk}" for row in journal)


def test_the_csv_download_has_the_dashboards_totals_in_yuan(client, township, auditor):
    client.force_login(auditor)
    response = download(client, "sales-by-producer", "csv")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    rows = read_csv(response)
    totals = dashboard(period=YEAR.period).totals
    assert sum(fen(row["销售额（元）"]) for row in rows) == totals.sales_fen
    assert all(row["销售额（元）"].count(".") == 1 for row in rows)


def test_the_xlsx_download_keeps_chinese_names_and_yuan_numbers(client, township, auditor):
    client.force_login(auditor)
    response = download(client, "aid-by-village", "xlsx")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "各村帮扶"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["村", "销售额（元）", "帮扶计提（元）"]
    column = header.index("分配到户（元）") + 1
    cells = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]
    assert all(isinstance(cell.value, int | float) for cell in cells)
    assert all(cell.number_format == "0.00" for cell in cells)
    total = sum(Decimal(str(cell.value)) for cell in cells)
    assert total * 100 == dashboard(period=YEAR.period).totals.distributed_fen


def test_an_auditor_sees_masked_households_and_leaves_no_audit_row(
    client, township, auditor, beneficiaries
):
    # The township's payout already revealed bank accounts, for the bank file.
    before = PersonalDataAccess.objects.count()
    client.force_login(auditor)
    page = client.get(url("households-by-village"), {"period": "2026"})
    # Asking for full numbers is for aid officers only.
    response = download(client, "households-by-village", "csv", purpose="核对名单", full="on")

    assert "下载完整姓名" not in page.content.decode()
    for content in (page.content.decode(), response.content.decode("utf-8-sig")):
        assert "孔*轩" in content
        assert "孔祥轩" not in content
        assert "11010519491231002X" not in content
    assert PersonalDataAccess.objects.count() == before


def xlsx_values(response) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


def test_an_officers_household_download_is_masked_unless_asked_for_in_full(
    client, township, aid_officer, beneficiaries
):
    seen = set(PersonalDataAccess.objects.values_list("pk", flat=True))
    client.force_login(aid_officer)
    page = client.get(url("households-by-village"), {"period": "2026"})
    assert "孔祥轩" not in page.content.decode()

    response = download(client, "households-by-village", "xlsx", purpose="核对名单")

    values = xlsx_values(response)
    assert "孔*轩" in values
    assert "孔祥轩" not in values
    assert not any("11010519491231002X" in str(value) for value in values)
    assert PersonalDataAccess.objects.count() == len(seen)


def test_an_officers_full_household_download_is_audit_logged_with_its_purpose(
    client, township, aid_officer, beneficiaries
):
    seen = set(PersonalDataAccess.objects.values_list("pk", flat=True))
    client.force_login(aid_officer)

    response = download(
        client, "households-by-village", "xlsx", purpose="向县乡村振兴局报送名单", full="on"
    )

    values = xlsx_values(response)
    assert "孔祥轩" in values
    assert "11010519491231002X" in values
    logged = PersonalDataAccess.objects.exclude(pk__in=seen)
    assert {
        (access.household, access.purpose, access.user, access.reason) for access in logged
    } == {
        (household, "export", aid_officer, "向县乡村振兴局报送名单") for household in beneficiaries
    }


@pytest.mark.parametrize("purpose", ["", "   "])
def test_a_household_download_without_a_purpose_is_refused_and_nothing_logged(
    client, township, aid_officer, beneficiaries, purpose
):
    before = PersonalDataAccess.objects.count()
    client.force_login(aid_officer)

    response = download(client, "households-by-village", "csv", purpose=purpose, full="on")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "下载含个人信息的报表，请先写明用途。" in response.content.decode()
    assert "11010519491231002X" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == before


def test_downloads_are_posted_not_linked(client, township, aid_officer, beneficiaries):
    before = PersonalDataAccess.objects.count()
    client.force_login(aid_officer)
    slug = "households-by-village"

    refused = client.get(
        reverse("aid_report_download", args=[slug]),
        {"period": "2026", "format": "csv", "purpose": "核对", "full": "on"},
    )
    # The page's old download link now only shows the page.
    page = client.get(url(slug), {"period": "2026", "format": "csv"})

    assert refused.status_code == 405
    assert page["Content-Type"].startswith("text/html")
    assert "11010519491231002X" not in page.content.decode()
    assert PersonalDataAccess.objects.count() == before


@pytest.mark.parametrize(
    "slug",
    [
        "sales-by-producer",
        "aid-by-village",
        "households-by-village",
        "payout-batches",
        "ledger-journal",
    ],
)
def test_every_report_opens_and_downloads(client, township, auditor, slug):
    client.force_login(auditor)
    assert client.get(url(slug), {"period": "2026-10"}).status_code == 200
    for kind in ("csv", "xlsx"):
        response = download(client, slug, kind, period="2026-10", purpose="核对")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'.{kind}"')


def test_a_bad_filter_shows_the_form_again(client, auditor):
    client.force_login(auditor)
    response = download(client, "ledger-journal", "csv", period="2026-13")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "不是有效的期间" in response.content.decode()
    assert client.get(url("no-such-report")).status_code == 404


def test_a_download_in_no_known_format_shows_the_form_again(client, auditor):
    client.force_login(auditor)
    response = download(client, "ledger-journal", "pdf")

    assert response["Content-Type"].startswith("text/html")
    assert "请选择下载格式：CSV 或 XLSX。" in response.content.decode()


def test_only_officers_and_auditors_open_reports(client, tomato):
    assert client.get(url("ledger-journal")).status_code == 302
    for group in (BUYER, TOWNSHIP_EDITOR):
        user = UserFactory()
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        assert client.get(url("ledger-journal")).status_code in (302, 403)
