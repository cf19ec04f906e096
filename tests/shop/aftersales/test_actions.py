from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from aid_accounting.accrual.models import AidReversal, LineAccrual
from messaging.models import OutboundMessage
from producers.models import MemberProfile
from shop import tasks
from shop.aftersales import actions
from shop.aftersales.actions import AfterSalesError
from shop.aftersales.models import AfterSalesPhoto, AfterSalesRequest, Kind, Status
from shop.aftersales.selectors import orders_held
from shop.orders import lifecycle
from shop.orders.models import Order
from shop.payments.models import Refund
from shop.payments.refunds import request_refund
from tests.factories import UserFactory
from tests.shop.aftersales.conftest import jpeg_with_gps
from tests.township import add_member, assert_books_check_out, at, deliver, sell

pytestmark = pytest.mark.django_db


def open_claim(order, *, actor, quantity=1, kind=Kind.QUALITY, photos=None, **kwargs):
    return actions.open_request(
        order_id=order.pk,
        line_id=order.lines.get().pk,
        kind=kind,
        quantity=quantity,
        reason="番茄压坏了",
        photos=[jpeg_with_gps()] if photos is None else photos,
        actor=actor,
        **kwargs,
    )


def nothing_written():
    return not AfterSalesRequest.objects.exists() and not AfterSalesPhoto.objects.exists()


# Opening ------------------------------------------------------------------------


def test_a_buyer_opens_a_quality_claim_with_a_photo_stripped_of_its_exif(delivered, buyer):
    request = open_claim(delivered, actor=buyer, quantity=2)

    assert request.status == Status.OPEN
    assert request.quantity == 2
    assert request.respond_by == at("2026-10-02", 11) + timedelta(hours=48)
    photo = request.photos.get()
    assert photo.file.name.startswith("aftersales/")
    with Image.open(jpeg_with_gps()) as original:
        assert original.getexif().get_ifd(0x8825)  # GPSInfo, as a phone writes it
    with Image.open(photo.file) as image:
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(0x8825)
    assert [step.kind for step in request.steps.all()] == ["opened"]


def test_the_producer_is_told_of_a_new_request(delivered, buyer, member):
    MemberProfile.objects.create(user=member, mobile="13800000001")
    request = open_claim(delivered, actor=buyer)

    message = OutboundMessage.objects.get(
        key=f"aftersales:{request.pk}:open:to-answer:sms:13800000001"
    )
    assert message.sms_params["number"] == delivered.number


def test_a_strangers_order_is_refused_in_chinese_and_nothing_is_written(delivered):
    stranger = UserFactory()
    with pytest.raises(AfterSalesError, match="不是您的订单"):
        open_claim(delivered, actor=stranger)
    assert nothing_written()


def test_a_guest_order_needs_its_session(clock, tomato, tomato_rule):
    order = sell([(tomato, 1)])
    deliver(order, at=clock.now)
    with pytest.raises(AfterSalesError, match="不是您的订单"):
        open_claim(order, actor=None, guest_orders=["SOMEONE-ELSE"])
    request = open_claim(order, actor=None, guest_orders=[order.number])
    assert request.created_by is None


def test_an_unknown_order_id_is_refused(delivered, buyer):
    with pytest.raises(AfterSalesError, match="找不到这个订单"):
        actions.open_request(
            order_id=10**9,
            line_id=1,
            kind=Kind.MISSING,
            quantity=1,
            reason="x",
            actor=buyer,
        )
    assert nothing_written()


def test_a_quality_claim_after_48_hours_is_refused(delivered, buyer, clock):
    clock.now = at("2026-10-04", 10)  # delivered 2026-10-02 10:00: the end instant itself
    with pytest.raises(AfterSalesError, match="48 小时内"):
        open_claim(delivered, actor=buyer)
    assert nothing_written()
    clock.now = at("2026-10-04", 10) - timedelta(seconds=1)
    assert open_claim(delivered, actor=buyer).status == Status.OPEN


@override_settings(AFTERSALES_QUALITY_WINDOW_HOURS=2)
def test_the_quality_window_is_a_setting(delivered, buyer, clock):
    clock.now = at("2026-10-02", 12)
    with pytest.raises(AfterSalesError, match="2 小时内"):
        open_claim(delivered, actor=buyer)


def test_a_photo_that_is_not_an_image_is_refused(delivered, buyer):
    text = SimpleUploadedFile("crushed.jpg", b"not a photo at all", content_type="image/jpeg")
    with pytest.raises(AfterSalesError, match="不是能识别的照片"):
        open_claim(delivered, actor=buyer, photos=[text])
    assert nothing_written()


def test_a_quality_claim_needs_a_photo(delivered, buyer):
    with pytest.raises(AfterSalesError, match="至少一张照片"):
        open_claim(delivered, actor=buyer, photos=[])
    assert nothing_written()


def test_more_than_was_bought_is_refused(delivered, buyer):
    with pytest.raises(AfterSalesError, match="1 到 3 之间"):
        open_claim(delivered, actor=buyer, quantity=4)
    with pytest.raises(AfterSalesError, match="1 到 3 之间"):
        open_claim(delivered, actor=buyer, quantity=0)
    assert nothing_written()


def test_units_in_an_open_request_or_refunded_cannot_be_claimed_again(delivered, buyer, staff):
    open_claim(delivered, actor=buyer, quantity=2)
    with pytest.raises(AfterSalesError, match="1 到 1 之间"):
        open_claim(delivered, actor=buyer, quantity=2)
    request_refund(
        order_id=delivered.pk,
        actor=staff,
        reason="x",
        line_id=delivered.lines.get().pk,
        quantity=1,
    )
    Refund.objects.update(status=Refund.Status.SUCCEEDED)
    delivered.lines.update(refunded_quantity=1, refunded_fen=3980)
    with pytest.raises(AfterSalesError, match="已全部退款或已在售后处理中"):
        open_claim(delivered, actor=buyer)


def test_a_no_reason_return_is_for_crafts_within_their_window(clock, craft, buyer, delivered):
    with pytest.raises(AfterSalesError, match="不支持无理由退货"):
        open_claim(delivered, actor=buyer, kind=Kind.NO_REASON, photos=[])
    order = sell([(craft, 1)], user=buyer)
    deliver(order, at=at("2026-10-02"))
    clock.now = at("2026-10-09")
    with pytest.raises(AfterSalesError, match="7 天内"):
        open_claim(order, actor=buyer, kind=Kind.NO_REASON, photos=[])
    clock.now = at("2026-10-08")
    assert open_claim(order, actor=buyer, kind=Kind.NO_REASON, photos=[]).kind == Kind.NO_REASON


def test_a_missing_parcel_once_shipped_not_before(clock, tomato, tomato_rule, buyer):
    order = sell([(tomato, 1)], user=buyer)
    with pytest.raises(AfterSalesError, match="还没有发货"):
        open_claim(order, actor=buyer, kind=Kind.MISSING, photos=[])
    shipment = order.shipments.get()
    lifecycle.ship(shipment_id=shipment.pk, carrier="顺丰速运", tracking_number="SF1")
    with pytest.raises(AfterSalesError, match="还没有送达"):
        open_claim(order, actor=buyer, photos=None)
    assert open_claim(order, actor=buyer, kind=Kind.MISSING, photos=[]).kind == Kind.MISSING


# The producer's answers and the money -------------------------------------------


def test_accept_refunds_the_quantity_without_stock_and_reverses_aid(
    delivered, buyer, member, tomato
):
    stock = type(tomato).objects.get(pk=tomato.pk).stock
    request = open_claim(delivered, actor=buyer, quantity=2)
    request = actions.answer(request_id=request.pk, step="accept", actor=member)
    refund = actions.send_refund(request)

    assert refund.status == Refund.Status.SUCCEEDED
    assert (refund.quantity, refund.amount_fen) == (2, 7960)
    line = delivered.lines.get()
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 7960)
    # Delivered goods kept by the buyer: nothing back in stock.
    assert type(tomato).objects.get(pk=tomato.pk).stock == stock
    accrual = LineAccrual.objects.get(line=line)
    assert AidReversal.objects.get(refund=refund).aid_fen == round(accrual.aid_fen * 2 / 3)
    assert_books_check_out()


def test_a_partial_refund_accepted_by_the_buyer_reverses_aid_in_proportion(
    delivered, buyer, member
):
    request = open_claim(delivered, actor=buyer, quantity=3)
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=2000)
    request = actions.accept_proposal(request_id=request.pk, actor=buyer)
    refund = actions.send_refund(request)

    assert refund.status == Refund.Status.SUCCEEDED
    assert (refund.quantity, refund.amount_fen) == (0, 2000)
    delivered.refresh_from_db()
    assert delivered.refunded_fen == 2000
    line = delivered.lines.get()
    assert (line.refunded_quantity, line.refunded_fen) == (0, 2000)
    accrual = LineAccrual.objects.get(line=line)
    # 25 % of 11,940 fen is 2,985 of aid; 2,000 of 11,940 refunded reverses 500.
    assert accrual.aid_fen == 2985
    assert AidReversal.objects.get(refund=refund).aid_fen == 500
    assert [step.kind for step in request.steps.all()] == ["opened", "propose", "accept_proposal"]
    assert_books_check_out()


def test_a_later_quantity_refund_is_capped_by_what_money_is_left(delivered, buyer, member, staff):
    request = open_claim(delivered, actor=buyer, quantity=3)
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=10000)
    actions.send_refund(actions.accept_proposal(request_id=request.pk, actor=buyer))
    line = delivered.lines.get()
    pending = request_refund(
        order_id=delivered.pk, actor=staff, reason="x", line_id=line.pk, quantity=1
    )
    # 11,940 less 10,000 leaves 1,940, less than a box's 3,980.
    assert pending.amount_fen == 1940


def test_a_proposal_over_what_is_left_is_refused(delivered, buyer, member):
    request = open_claim(delivered, actor=buyer)
    with pytest.raises(AfterSalesError, match=r"¥119\.40"):
        actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=11941)
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_a_return_comes_back_to_stock_only_when_received(delivered, buyer, member, tomato):
    stock = type(tomato).objects.get(pk=tomato.pk).stock
    request = open_claim(delivered, actor=buyer, quantity=1)
    actions.answer(request_id=request.pk, step="ask_return", actor=member)
    with pytest.raises(AfterSalesError, match="快递公司和运单号"):
        actions.ship_return(request_id=request.pk, actor=buyer, carrier="", tracking_number="")
    actions.ship_return(
        request_id=request.pk, actor=buyer, carrier="中通快递", tracking_number="ZT123"
    )
    assert type(tomato).objects.get(pk=tomato.pk).stock == stock
    request = actions.confirm_return(request_id=request.pk, actor=member)
    refund = actions.send_refund(request)

    assert (refund.status, refund.quantity, refund.amount_fen) == ("succeeded", 1, 3980)
    assert type(tomato).objects.get(pk=tomato.pk).stock == stock + 1
    assert_books_check_out()


def test_decline_needs_a_reason_and_the_buyer_may_escalate(delivered, buyer, member, editor):
    request = open_claim(delivered, actor=buyer)
    with pytest.raises(AfterSalesError, match="理由"):
        actions.answer(request_id=request.pk, step="decline", actor=member)
    actions.answer(request_id=request.pk, step="decline", actor=member, note="照片看不出问题")
    assert OutboundMessage.objects.filter(
        key__startswith=f"order:{delivered.number}:aftersales_answered:aftersales-{request.pk}"
    ).exists()
    request = actions.escalate(request_id=request.pk, actor=buyer, note="确实坏了")
    assert request.status == Status.ESCALATED
    # Each editor who may decide is told, once, with the deadline and where to decide.
    told = OutboundMessage.objects.filter(key__startswith=f"aftersales:{request.pk}:escalated:")
    assert [message.recipient for message in told] == [editor.email]
    assert f"/admin/aftersales/{request.pk}/decide/" in told.get().body
    with pytest.raises(PermissionDenied):
        actions.decide(request_id=request.pk, actor=buyer, amount_fen=1000, note="x")
    request = actions.decide(request_id=request.pk, actor=editor, amount_fen=1000, note="各退一步")
    assert actions.send_refund(request).amount_fen == 1000
    assert request.status == Status.REFUNDED
    assert_books_check_out()


def test_an_editor_may_decide_for_nothing(delivered, buyer, member, editor):
    request = open_claim(delivered, actor=buyer)
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=500)
    actions.reject_proposal(request_id=request.pk, actor=buyer)
    actions.escalate(request_id=request.pk, actor=buyer)
    request = actions.decide(request_id=request.pk, actor=editor, amount_fen=0, note="已补发")
    assert (request.status, request.refund) == (Status.CLOSED, None)


def test_steps_out_of_turn_are_refused(delivered, buyer, member):
    request = open_claim(delivered, actor=buyer)
    with pytest.raises(AfterSalesError, match="不能进行这一步"):
        actions.accept_proposal(request_id=request.pk, actor=buyer)
    with pytest.raises(AfterSalesError, match="不能进行这一步"):
        actions.escalate(request_id=request.pk, actor=buyer)
    actions.answer(request_id=request.pk, step="accept", actor=member)
    with pytest.raises(AfterSalesError, match="不能进行这一步"):
        actions.answer(request_id=request.pk, step="accept", actor=member)
    assert Refund.objects.count() == 1


def test_only_the_lines_producer_may_answer(delivered, buyer, bag):
    request = open_claim(delivered, actor=buyer)
    other = add_member(bag.product.producer)
    for actor in (other, buyer):
        with pytest.raises(PermissionDenied):
            actions.answer(request_id=request.pk, step="accept", actor=actor)
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_a_buyer_cannot_act_on_anothers_request(delivered, buyer, member):
    request = open_claim(delivered, actor=buyer)
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=500)
    with pytest.raises(AfterSalesError, match="找不到"):
        actions.accept_proposal(request_id=request.pk, actor=UserFactory())
    assert not Refund.objects.exists()


# Deadlines ----------------------------------------------------------------------


def test_a_producer_who_does_not_answer_in_time_is_taken_to_accept(delivered, buyer, member, clock):
    MemberProfile.objects.create(user=member, mobile="13800000001")
    request = open_claim(delivered, actor=buyer, quantity=1)
    clock.now = request.respond_by - timedelta(hours=6)
    assert actions.decide_overdue() == {"auto_accepted": 0, "lapsed": 0, "reminded": 1}
    assert actions.decide_overdue()["reminded"] == 0  # owed once
    assert OutboundMessage.objects.filter(
        key__startswith=f"aftersales:{request.pk}:open:reminder"
    ).exists()
    clock.now = request.respond_by
    assert actions.decide_overdue() == {"auto_accepted": 1, "lapsed": 0, "reminded": 0}
    assert actions.decide_overdue() == {"auto_accepted": 0, "lapsed": 0, "reminded": 0}
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert request.refund.status == Refund.Status.SUCCEEDED
    assert request.steps.last().kind == "auto_accept"
    assert_books_check_out()


@override_settings(AFTERSALES_AUTO_ACCEPT=False)
def test_the_automatic_decision_can_be_turned_off(delivered, buyer, clock):
    request = open_claim(delivered, actor=buyer)
    clock.now = request.respond_by + timedelta(days=1)
    assert actions.decide_overdue()["auto_accepted"] == 0
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_a_buyer_who_does_not_reply_lets_the_request_close(delivered, buyer, member, clock):
    request = open_claim(delivered, actor=buyer)
    actions.answer(request_id=request.pk, step="propose", actor=member, amount_fen=500)
    request.refresh_from_db()
    clock.now = request.respond_by - timedelta(hours=1)
    assert actions.decide_overdue()["reminded"] == 1
    assert OutboundMessage.objects.filter(
        key__startswith=f"order:{delivered.number}:aftersales_reminder:"
    ).exists()
    clock.now = request.respond_by
    assert actions.decide_overdue()["lapsed"] == 1
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert not Refund.objects.exists()


def test_an_open_request_keeps_the_order_from_completing(delivered, buyer, member, clock):
    request = open_claim(delivered, actor=buyer)
    clock.now = at("2026-11-01")
    assert lifecycle.complete_due_orders(held=orders_held()) == 0
    actions.answer(request_id=request.pk, step="decline", actor=member, note="不同意")
    assert lifecycle.complete_due_orders(held=orders_held()) == 0
    clock.now = at("2026-11-09")
    assert actions.decide_overdue()["lapsed"] == 1  # the buyer did not escalate
    assert lifecycle.complete_due_orders(held=orders_held()) == 1
    delivered.refresh_from_db()
    assert delivered.status == Order.Status.COMPLETED


def test_the_beat_tasks_hold_open_orders_and_decide_overdue_steps(delivered, buyer, clock):
    request = open_claim(delivered, actor=buyer)
    clock.now = at("2026-11-01")
    assert tasks.complete_due_orders() == 0
    assert tasks.decide_overdue_aftersales()["auto_accepted"] == 1
    assert tasks.complete_due_orders() == 1
    request.refresh_from_db()
    assert request.refund.status == Refund.Status.SUCCEEDED


def test_a_returned_parcel_not_confirmed_in_time_is_refunded_and_restocked(
    delivered, buyer, member, clock, tomato
):
    MemberProfile.objects.create(user=member, mobile="13800000001")
    stock = type(tomato).objects.get(pk=tomato.pk).stock
    request = open_claim(delivered, actor=buyer)
    actions.answer(request_id=request.pk, step="ask_return", actor=member)
    request = actions.ship_return(
        request_id=request.pk, actor=buyer, carrier="中通快递", tracking_number="ZT1"
    )
    assert OutboundMessage.objects.filter(
        key=f"aftersales:{request.pk}:return_shipped:to-answer:sms:13800000001"
    ).exists()
    clock.now = request.respond_by
    assert actions.decide_overdue()["auto_accepted"] == 1
    request.refresh_from_db()
    assert (request.status, request.refund.quantity) == (Status.REFUNDED, 1)
    assert type(tomato).objects.get(pk=tomato.pk).stock == stock + 1


def test_an_escalated_request_waits_for_the_editors(delivered, buyer, member, clock):
    request = open_claim(delivered, actor=buyer)
    actions.answer(request_id=request.pk, step="decline", actor=member, note="不同意")
    actions.escalate(request_id=request.pk, actor=buyer)
    clock.now = at("2026-12-31")
    assert actions.decide_overdue() == {"auto_accepted": 0, "lapsed": 0, "reminded": 0}
    request.refresh_from_db()
    assert request.status == Status.ESCALATED
