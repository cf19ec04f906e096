"""The after-sales pages: the buyer's form and request page (an account and a
guest of 查订单), the producer's portal pages, the photos' access, the admin's
list, decision and claims rate."""

import pytest

from producers.models import PortalActivity
from shop.aftersales import actions
from shop.aftersales.models import AfterSalesRequest, Kind, Status
from shop.orders.ownership import SESSION_KEY
from shop.payments.models import Refund
from tests.factories import UserFactory
from tests.shop.aftersales.conftest import jpeg_with_gps
from tests.township import add_member, add_staff

pytestmark = pytest.mark.django_db


def claim(order, buyer, **kwargs):
    return actions.open_request(
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind=Kind.QUALITY,
        quantity=1,
        reason="压坏了",
        photos=[jpeg_with_gps()],
        actor=buyer,
        **kwargs,
    )


def test_the_order_page_offers_after_sales_on_a_delivered_line(client, delivered, buyer):
    client.force_login(buyer)
    text = client.get(f"/orders/{delivered.number}/").text
    line = delivered.lines.get()
    assert f"/orders/{delivered.number}/lines/{line.pk}/aftersales/" in text
    assert "申请售后" in text


def test_the_buyer_files_a_claim_with_photos_through_the_form(client, delivered, buyer):
    client.force_login(buyer)
    line = delivered.lines.get()
    url = f"/orders/{delivered.number}/lines/{line.pk}/aftersales/"
    page = client.get(url).text
    assert 'accept="image/*"' in page and "multiple" in page
    response = client.post(
        url,
        {
            "kind": "quality",
            "quantity": "2",
            "reason": "两箱都压坏了",
            "photos": [jpeg_with_gps("a.jpg"), jpeg_with_gps("b.jpg")],
        },
    )
    request = AfterSalesRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/aftersales/{request.pk}/"
    assert request.photos.count() == 2
    text = client.get(response["Location"]).text
    assert "两箱都压坏了" in text and "待生产者处理" in text


def test_a_non_image_in_the_form_gets_the_chinese_message(client, delivered, buyer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(buyer)
    line = delivered.lines.get()
    response = client.post(
        f"/orders/{delivered.number}/lines/{line.pk}/aftersales/",
        {
            "kind": "quality",
            "quantity": "1",
            "reason": "坏了",
            "photos": [SimpleUploadedFile("x.jpg", b"%PDF-1.4", content_type="image/jpeg")],
        },
    )
    assert response.status_code == 200
    assert "这个文件不是能识别的照片" in response.text
    assert not AfterSalesRequest.objects.exists()


def test_a_stranger_gets_404_for_the_form_the_request_and_its_photos(client, delivered, buyer):
    request = claim(delivered, buyer)
    photo = request.photos.get()
    client.force_login(UserFactory())
    line = delivered.lines.get()
    assert client.get(f"/orders/{delivered.number}/lines/{line.pk}/aftersales/").status_code == 404
    assert client.get(f"/aftersales/{request.pk}/").status_code == 404
    assert client.get(f"/aftersales/{request.pk}/photos/{photo.pk}/").status_code == 404
    assert client.post(f"/aftersales/{request.pk}/act/", {"step": "escalate"}).status_code == 404


def test_the_photo_is_served_privately_to_buyer_producer_and_staff(
    client, delivered, buyer, member
):
    request = claim(delivered, buyer)
    url = f"/aftersales/{request.pk}/photos/{request.photos.get().pk}/"
    for user in (buyer, member, add_staff("auditor")):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "image/jpeg"
        assert "no-store" in response["Cache-Control"]
    assert "/media/" not in url


def test_a_guest_of_find_order_may_claim_and_reply(client, clock, tomato, tomato_rule, member):
    from tests.township import at, deliver, sell

    order = sell([(tomato, 1)])
    deliver(order, at=clock.now)
    session = client.session
    session[SESSION_KEY] = [order.number]
    session.save()
    line = order.lines.get()
    response = client.post(
        f"/orders/{order.number}/lines/{line.pk}/aftersales/",
        {"kind": "missing", "quantity": "1", "reason": "没收到", "photos": []},
    )
    assert response.status_code == 302, response.text if response.status_code == 200 else ""
    request = AfterSalesRequest.objects.get()
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=1000)
    client.post(f"/aftersales/{request.pk}/act/", {"step": "accept_proposal"})
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert request.refund.status == Refund.Status.SUCCEEDED
    assert at  # the township's clock


def test_the_portal_lists_and_answers_own_requests_only(client, delivered, buyer, member, bag):
    request = claim(delivered, buyer)
    other = add_member(bag.product.producer)
    client.force_login(other)
    assert client.get(f"/portal/aftersales/{request.pk}/").status_code == 404
    assert client.post(f"/portal/aftersales/{request.pk}/", {"step": "accept"}).status_code == 404
    assert delivered.number not in client.get("/portal/aftersales/").text

    client.force_login(member)
    listing = client.get("/portal/aftersales/").text
    assert "大棚番茄" in listing and "去处理" in listing
    page = client.get(f"/portal/aftersales/{request.pk}/").text
    assert "提议部分退款" in page and "压坏了" in page
    response = client.post(
        f"/portal/aftersales/{request.pk}/", {"step": "propose", "amount": "12.50", "note": ""}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.proposed_fen) == (Status.PROPOSED, 1250)
    assert PortalActivity.objects.filter(action="aftersales_propose").exists()


def test_the_portal_refuses_a_proposal_over_the_line(client, delivered, buyer, member):
    request = claim(delivered, buyer)
    client.force_login(member)
    response = client.post(
        f"/portal/aftersales/{request.pk}/", {"step": "propose", "amount": "500", "note": ""}
    )
    assert response.status_code == 200
    assert "退款金额应在" in response.text
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_the_portal_confirms_a_returned_parcel(client, delivered, buyer, member):
    request = claim(delivered, buyer)
    actions.answer(request_id=request.pk, step="ask_return", actor=member)
    actions.ship_return(request_id=request.pk, actor=buyer, carrier="中通", tracking_number="ZT1")
    client.force_login(member)
    assert "确认收到退货" in client.get(f"/portal/aftersales/{request.pk}/").text
    client.post(f"/portal/aftersales/{request.pk}/received/")
    request.refresh_from_db()
    assert request.refund.status == Refund.Status.SUCCEEDED


def test_an_editor_decides_an_escalated_request_in_the_admin(client, delivered, buyer, member):
    request = claim(delivered, buyer)
    actions.answer(request_id=request.pk, step="decline", actor=member, note="不是质量问题")
    actions.escalate(request_id=request.pk, actor=buyer)
    auditor = add_staff("auditor")
    client.force_login(auditor)
    # Wagtail's admin answers a permission failure by sending the user to the dashboard.
    refused = client.post(f"/admin/aftersales/{request.pk}/decide/", {"amount": "1", "note": "x"})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    inspect = client.get(f"/admin/snippets/shop/aftersalesrequest/inspect/{request.pk}/").text
    assert "不是质量问题" in inspect

    client.force_login(add_staff("township_editor"))
    overview = client.get("/admin/aftersales/overview/").text
    assert delivered.number in overview and "售后率" in overview
    response = client.post(
        f"/admin/aftersales/{request.pk}/decide/", {"amount": "20.00", "note": "照片可见压坏"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert (request.refund.amount_fen, request.refund.status) == (2000, "succeeded")


def test_the_claims_rate_per_producer(delivered, buyer, bag, clock):
    from shop.aftersales.selectors import claims_rate

    claim(delivered, buyer)
    rows = {row["name"]: row for row in claims_rate(since_days=90)}
    tomato_row = rows[delivered.lines.get().producer.name]
    assert (tomato_row["lines"], tomato_row["claims"], tomato_row["rate_percent"]) == (1, 1, 100.0)


def test_the_admin_menu_links_the_claims_rate_for_those_who_read_claims(client):
    client.force_login(add_staff("auditor"))
    assert "/admin/aftersales/overview/" in client.get("/admin/").text
