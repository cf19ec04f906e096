"""The 发票 pages: the buyer's request form, list and download; the portal's
issue form; the admin's issue form and export. Every refusal to download is a 404."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from core.roles import AUDITOR
from shop.invoicing import services
from shop.invoicing.models import InvoiceRequest
from tests.factories import UserFactory
from tests.shop.factories import UnitMembershipFactory
from tests.shop.invoicing.conftest import PDF, pdf
from tests.township import add_member, add_staff

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(sale, **extra):
    return {
        "orders": [sale.order.pk],
        "kind": "normal",
        "title": "临清市总工会",
        "tax_number": "91371581MA3C00000R",
        "address_phone": "",
        "bank_account": "",
        "email": "caiwu@example.com",
        **extra,
    }


def test_a_member_requests_an_invoice_for_the_units_order(sale):
    client = logged_in(sale.member)
    page = client.get(f"/account/invoices/new/?unit={sale.unit.pk}")
    assert sale.order.number in page.content.decode()
    assert page.context["form"].initial["title"] == sale.unit.invoice_title

    response = client.post(f"/account/invoices/new/?unit={sale.unit.pk}", form_data(sale))

    assert response.status_code == 302 and response["Location"] == "/account/invoices/"
    assert InvoiceRequest.objects.count() == 2
    listing = client.get("/account/invoices/").content.decode()
    assert "临清市总工会" in listing and "待开票" in listing


def test_the_units_orders_are_not_offered_as_ones_own(sale):
    page = logged_in(sale.member).get("/account/invoices/new/")
    assert sale.order.number not in page.content.decode()


def test_another_units_page_is_not_found(sale):
    outsider = UnitMembershipFactory().user
    assert logged_in(outsider).get(f"/account/invoices/new/?unit={sale.unit.pk}").status_code == 404


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"tax_number": ""}, "必须填写纳税人识别号"),
        ({"tax_number": "123"}, "统一社会信用代码"),
        ({"kind": "special"}, "地址、电话和开户行及账号"),
    ],
)
def test_a_bad_request_shows_a_chinese_message_and_writes_nothing(sale, extra, message):
    client = logged_in(sale.member)
    response = client.post(f"/account/invoices/new/?unit={sale.unit.pk}", form_data(sale, **extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InvoiceRequest.objects.exists()


def test_a_strangers_order_id_is_refused(sale):
    stranger = UserFactory()
    response = logged_in(stranger).post("/account/invoices/new/", form_data(sale))
    assert response.status_code == 200
    assert "找不到所选的订单" in response.content.decode()
    assert not InvoiceRequest.objects.exists()


@pytest.fixture
def issued(sale, request_fields):
    requests = services.request_invoice(
        actor=sale.member, order_ids=[sale.order.pk], **request_fields
    )
    (bags,) = [r for r in requests if r.producer == sale.bag_producer]
    return services.issue_invoice(
        actor=sale.bag_member,
        request_id=bags.pk,
        number="00012345",
        issued_on=bags.created_at.date(),
        amount_fen=bags.amount_fen,
        pdf=pdf(),
    )


def test_the_invoice_downloads_for_those_it_concerns_only(sale, issued, staff):
    url = f"/account/invoices/{issued.key}/invoice.pdf"
    colleague = UnitMembershipFactory(unit=sale.unit).user
    for user in (sale.member, colleague, sale.bag_member, staff, add_staff(AUDITOR)):
        response = logged_in(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
    for user in (UserFactory(), UnitMembershipFactory().user, add_member(sale.tomato_producer)):
        assert logged_in(user).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_the_portal_issues_its_own_producers_requests_only(sale, request_fields):
    requests = services.request_invoice(
        actor=sale.member, order_ids=[sale.order.pk], **request_fields
    )
    tomatoes, bags = sorted(requests, key=lambda r: r.producer != sale.tomato_producer)
    client = logged_in(sale.bag_member)
    listing = client.get("/portal/invoices/").content.decode()
    assert "临清市总工会" in listing

    # Another producer's request (the township's to issue) is not found.
    response = client.post(f"/portal/invoices/{tomatoes.pk}/issue/", {})
    assert response.status_code == 404
    refused = client.post(
        f"/portal/invoices/{bags.pk}/issue/",
        {
            f"i{bags.pk}-invoice_number": "00012345",
            f"i{bags.pk}-invoice_date": "2026-12-07",
            f"i{bags.pk}-amount": f"{bags.amount_fen / 100:.2f}",
            f"i{bags.pk}-file": pdf(b"GIF89a not a pdf"),
        },
    )
    assert "不是PDF" in refused.content.decode()
    assert InvoiceRequest.objects.get(pk=bags.pk).status == "requested"

    done = client.post(
        f"/portal/invoices/{bags.pk}/issue/",
        {
            f"i{bags.pk}-invoice_number": "00012345",
            f"i{bags.pk}-invoice_date": "2026-12-07",
            f"i{bags.pk}-amount": f"{bags.amount_fen / 100:.2f}",
            f"i{bags.pk}-file": pdf(),
        },
    )
    assert done.status_code == 302
    assert InvoiceRequest.objects.get(pk=bags.pk).status == "issued"


def test_township_staff_issue_in_the_admin(sale, request_fields, staff):
    requests = services.request_invoice(
        actor=sale.member, order_ids=[sale.order.pk], **request_fields
    )
    (tomatoes,) = [r for r in requests if r.producer == sale.tomato_producer]
    client = logged_in(staff)
    assert (
        client.get(f"/admin/snippets/shop/invoicerequest/inspect/{tomatoes.pk}/").status_code == 200
    )
    listing = client.get("/admin/snippets/shop/invoicerequest/?status=requested")
    assert listing.status_code == 200 and "临清市总工会" in listing.content.decode()
    assert client.get("/admin/invoices/export/").status_code == 200

    response = client.post(
        f"/admin/invoices/{tomatoes.pk}/issue/",
        {
            "invoice_number": "00054321",
            "invoice_date": "2026-12-07",
            "amount": f"{tomatoes.amount_fen / 100:.2f}",
            "file": pdf(),
        },
    )

    assert response.status_code == 302
    assert InvoiceRequest.objects.get(pk=tomatoes.pk).invoice_number == "00054321"
    # An auditor sees, never issues: the admin turns the refusal into a way home.
    auditor = logged_in(add_staff(AUDITOR))
    assert auditor.get(f"/admin/invoices/{tomatoes.pk}/reject/")["Location"] == "/admin/"
    auditor.post(f"/admin/invoices/{tomatoes.pk}/reject/", {"reason": "x"})
    assert InvoiceRequest.objects.get(pk=tomatoes.pk).status == "issued"


def test_the_export_lists_the_requests_with_inert_cells(sale, request_fields, staff):
    fields = request_fields | {"title": '=HYPERLINK("http://x")'}
    services.request_invoice(actor=sale.member, order_ids=[sale.order.pk], **fields)
    client = logged_in(staff)

    text = client.get("/admin/invoices/export/?file_format=csv&status=requested").content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["申请编号", "申请日期", "状态", "发票类型", "购买方名称"]
    assert len(rows) == 3
    assert {row[4] for row in rows[1:]} == {'\'=HYPERLINK("http://x")'}
    assert sorted(row[10] for row in rows[1:]) == sorted(
        f"{sale.part(p) / 100:.2f}" for p in (sale.tomato_producer, sale.bag_producer)
    )
    assert all(row[11] == sale.order.number for row in rows[1:])

    workbook = load_workbook(
        io.BytesIO(client.get("/admin/invoices/export/?file_format=xlsx&issuer=producer").content)
    )
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][8] == sale.bag_producer.name
    assert values[1][4] == '\'=HYPERLINK("http://x")'
    assert float(values[1][10]) == sale.part(sale.bag_producer) / 100

    assert (
        len(
            list(
                csv.reader(
                    io.StringIO(
                        client.get(
                            "/admin/invoices/export/?file_format=csv&status=issued"
                        ).content.decode("utf-8-sig")
                    )
                )
            )
        )
        == 1
    )


def test_the_portal_records_the_red_letter_a_refund_calls_for(sale, issued, staff):
    from shop.payments.refunds import execute_refund, request_refund

    line = sale.order.lines.get(producer=sale.bag_producer)
    execute_refund(
        refund_id=request_refund(
            order_id=sale.order.pk, actor=staff, reason="破损", line_id=line.pk, quantity=1
        ).pk
    )
    client = logged_in(sale.bag_member)
    assert "因退款需开红字发票" in client.get("/portal/invoices/").content.decode()
    url = f"/portal/invoices/{issued.pk}/red-letter/"

    refused = client.post(url, {f"x{issued.pk}-red_letter_date": "2026-12-08"})
    assert refused.status_code == 200
    assert InvoiceRequest.objects.get(pk=issued.pk).needs_red_letter

    client.post(
        url,
        {f"x{issued.pk}-red_letter_number": "R0001", f"x{issued.pk}-red_letter_date": "2026-12-08"},
    )
    issued.refresh_from_db()
    assert (issued.status, issued.needs_red_letter) == ("reversed", False)


def test_the_portal_rejects_with_a_reason(sale, request_fields):
    requests = services.request_invoice(
        actor=sale.member, order_ids=[sale.order.pk], **request_fields
    )
    (bags,) = [r for r in requests if r.producer == sale.bag_producer]
    client = logged_in(sale.bag_member)

    client.post(f"/portal/invoices/{bags.pk}/reject/", {f"r{bags.pk}-reason": "抬头与税号不符"})

    bags.refresh_from_db()
    assert (bags.status, bags.reject_reason) == ("rejected", "抬头与税号不符")
    listing = logged_in(sale.member).get("/account/invoices/").content.decode()
    assert "抬头与税号不符" in listing
