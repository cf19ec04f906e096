"""发票 requests: split per producer, held to what was paid less refunds,
issued, rejected and corrected by red-letter invoices; every bad request gets
a Chinese message and writes nothing."""

import datetime

import pytest

from messaging.models import OutboundMessage
from shop.invoicing import services
from shop.invoicing.models import InvoiceRequest, InvoiceRequestOrder
from shop.invoicing.services import InvoiceError
from shop.payments.refunds import execute_refund, request_refund
from tests.factories import UserFactory
from tests.shop.factories import UnitMembershipFactory
from tests.shop.invoicing.conftest import PDF, TAX_NUMBER, pdf, unit_order

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


def ask(sale, fields, **overrides):
    return services.request_invoice(
        actor=overrides.pop("actor", sale.member),
        order_ids=overrides.pop("order_ids", [sale.order.pk]),
        **(fields | overrides),
    )


def issue(request, actor, *, amount=None, upload=None, number="00012345"):
    return services.issue_invoice(
        actor=actor,
        request_id=request.pk,
        number=number,
        issued_on=TODAY,
        amount_fen=request.amount_fen if amount is None else amount,
        pdf=pdf() if upload is None else upload,
    )


def refund(order, staff, **kwargs):
    return execute_refund(
        refund_id=request_refund(order_id=order.pk, actor=staff, reason="质量问题", **kwargs).pk
    )


def nothing_written():
    return not InvoiceRequest.objects.exists() and not InvoiceRequestOrder.objects.exists()


# Requesting -----------------------------------------------------------------------------


def test_a_request_is_split_per_producer_and_the_parts_add_up_to_what_was_paid(
    sale, request_fields
):
    requests = ask(sale, request_fields)

    by_producer = {request.producer: request for request in requests}
    assert set(by_producer) == {sale.tomato_producer, sale.bag_producer}
    assert by_producer[sale.tomato_producer].amount_fen == sale.part(sale.tomato_producer)
    assert by_producer[sale.bag_producer].amount_fen == sale.part(sale.bag_producer)
    assert sum(request.amount_fen for request in requests) == sale.order.total_fen
    assert by_producer[sale.bag_producer].issuer == "producer"
    assert by_producer[sale.tomato_producer].issuer == "township"
    assert all(request.buying_unit == sale.unit for request in requests)


def test_another_member_of_the_unit_may_request_for_the_units_orders(sale, request_fields):
    colleague = UnitMembershipFactory(unit=sale.unit).user
    assert len(ask(sale, request_fields, actor=colleague)) == 2


def test_the_issuers_are_told_when_a_request_arrives(sale, request_fields):
    sale.bag_member.email = "bag@example.com"
    sale.bag_member.save()
    (bags,) = [r for r in ask(sale, request_fields) if r.producer == sale.bag_producer]
    told = OutboundMessage.objects.filter(key__startswith=f"invoice:{bags.key}:requested")
    assert list(told.values_list("recipient", flat=True)) == ["bag@example.com"]


def test_asking_twice_for_the_same_orders_is_refused(sale, request_fields):
    ask(sale, request_fields)
    with pytest.raises(InvoiceError, match="已全部申请过发票或已退款"):
        ask(sale, request_fields)
    assert InvoiceRequest.objects.count() == 2


@pytest.mark.parametrize("who", ["stranger", "other_unit_member"])
def test_someone_elses_order_is_refused_as_not_found(sale, request_fields, who):
    actor = UserFactory() if who == "stranger" else UnitMembershipFactory().user
    with pytest.raises(InvoiceError, match="找不到所选的订单"):
        ask(sale, request_fields, actor=actor)
    assert nothing_written()


def test_an_unknown_order_id_is_refused(sale, request_fields):
    with pytest.raises(InvoiceError, match="找不到所选的订单"):
        ask(sale, request_fields, order_ids=[sale.order.pk, 999_999])
    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tax_number": ""}, "必须填写纳税人识别号"),
        ({"tax_number": "91371581MA3C00000X"}, "统一社会信用代码"),
        ({"title": "  "}, "请填写发票抬头"),
        ({"email": ""}, "电子邮箱"),
        ({"kind": "other"}, "发票类型"),
        ({"kind": "special"}, "地址、电话和开户行及账号"),
        ({"order_ids": []}, "请选择要开发票的订单"),
    ],
)
def test_bad_requests_are_refused_in_chinese_and_write_nothing(
    sale, request_fields, overrides, message
):
    with pytest.raises(InvoiceError, match=message):
        ask(sale, request_fields, **overrides)
    assert nothing_written()


def test_a_special_invoice_needs_a_tax_number_even_for_an_individual(
    two_producers, address, request_fields
):
    from shop.orders.checkout import place_order
    from tests.shop.invoicing.conftest import pay

    tomato, _ = two_producers
    buyer = UserFactory()
    order = pay(
        place_order(items=[(tomato.pk, 1)], email="", address=address, gateway="dummy", user=buyer)
    )
    fields = request_fields | {
        "kind": "special",
        "tax_number": "",
        "address_phone": "临清市 0635-1234567",
        "bank_account": "农行临清支行 6228480000000000",
    }
    with pytest.raises(InvoiceError, match="必须填写纳税人识别号"):
        services.request_invoice(actor=buyer, order_ids=[order.pk], **fields)
    assert nothing_written()
    # Without a tax number an individual's ordinary invoice is fine.
    (request,) = services.request_invoice(
        actor=buyer, order_ids=[order.pk], **(request_fields | {"tax_number": "", "title": "个人"})
    )
    assert request.buying_unit is None and request.amount_fen == order.total_fen


def test_a_units_and_ones_own_orders_cannot_share_a_request(
    sale, two_producers, address, request_fields
):
    from shop.orders.checkout import place_order
    from tests.shop.invoicing.conftest import pay

    tomato, _ = two_producers
    own = pay(
        place_order(
            items=[(tomato.pk, 1)], email="", address=address, gateway="dummy", user=sale.member
        )
    )
    with pytest.raises(InvoiceError, match="分开申请"):
        ask(sale, request_fields, order_ids=[sale.order.pk, own.pk])
    assert nothing_written()


def test_an_unpaid_order_is_refused(two_producers, address, request_fields):
    from shop.orders.checkout import place_order

    tomato, _ = two_producers
    membership = UnitMembershipFactory(unit__tax_number=TAX_NUMBER)
    order = place_order(
        items=[(tomato.pk, 1)],
        email="",
        address=address,
        gateway="dummy",
        user=membership.user,
        buying_unit_id=membership.unit.pk,
    )
    with pytest.raises(InvoiceError, match="未付款"):
        services.request_invoice(actor=membership.user, order_ids=[order.pk], **request_fields)
    assert nothing_written()


def test_several_orders_make_one_request_per_producer(sale, two_producers, address, request_fields):
    second = unit_order(two_producers, address, sale.unit.memberships.get())
    requests = ask(sale, request_fields, order_ids=[sale.order.pk, second.pk])
    assert len(requests) == 2
    assert sum(r.amount_fen for r in requests) == sale.order.total_fen + second.total_fen
    assert all(r.parts.count() == 2 for r in requests)


# Issuing --------------------------------------------------------------------------------


def requests_of(sale, fields):
    requests = {r.producer: r for r in ask(sale, fields)}
    return requests[sale.tomato_producer], requests[sale.bag_producer]


def test_the_producer_issues_its_own_and_the_buyer_is_told(sale, request_fields):
    _tomatoes, bags = requests_of(sale, request_fields)

    issued = issue(bags, sale.bag_member)

    assert (issued.status, issued.invoice_amount_fen) == ("issued", bags.amount_fen)
    assert issued.file.read() == PDF
    assert issued.file.name.startswith("invoices/") and "fapiao" not in issued.file.name
    assert OutboundMessage.objects.filter(
        key=f"invoice:{bags.key}:issued:email:caiwu@example.com"
    ).exists()


def test_the_township_issues_for_the_producers_that_do_not(sale, request_fields, staff):
    tomatoes, bags = requests_of(sale, request_fields)
    assert issue(tomatoes, staff).status == "issued"
    # The township does not issue what a producer issues itself, nor a member another's.
    with pytest.raises(InvoiceError, match="无权处理"):
        issue(bags, staff)
    with pytest.raises(InvoiceError, match="无权处理"):
        issue(InvoiceRequest.objects.get(pk=tomatoes.pk), sale.bag_member)


def test_a_member_of_another_producer_cannot_issue(sale, request_fields):
    from tests.township import add_member

    _tomatoes, bags = requests_of(sale, request_fields)
    other = add_member(sale.tomato_producer)
    with pytest.raises(InvoiceError, match="无权处理"):
        issue(bags, other)
    bags.refresh_from_db()
    assert (bags.status, bags.file.name) == ("requested", "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>not a pdf</html>", "不是PDF"),
        (b"\x89PNG\r\n\x1a\n", "不是PDF"),
        (b"", "不是PDF"),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "不能超过10MB"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused(sale, request_fields, content, message):
    _tomatoes, bags = requests_of(sale, request_fields)
    with pytest.raises(InvoiceError, match=message):
        issue(bags, sale.bag_member, upload=pdf(content, name="fapiao.pdf"))
    bags.refresh_from_db()
    assert (bags.status, bags.file.name, bags.invoice_number) == ("requested", "", "")


@pytest.mark.parametrize("extra", [1, 1000])
def test_an_invoice_over_the_request_is_refused(sale, request_fields, extra):
    _tomatoes, bags = requests_of(sale, request_fields)
    with pytest.raises(InvoiceError, match="申请金额"):
        issue(bags, sale.bag_member, amount=bags.amount_fen + extra)
    bags.refresh_from_db()
    assert bags.status == "requested"


def test_an_invoice_is_issued_once(sale, request_fields):
    _tomatoes, bags = requests_of(sale, request_fields)
    issue(bags, sale.bag_member)
    with pytest.raises(InvoiceError, match="已开票"):
        issue(bags, sale.bag_member, number="99999")
    bags.refresh_from_db()
    assert bags.invoice_number == "00012345"


def test_a_rejection_names_its_reason_and_frees_the_orders(sale, request_fields):
    _tomatoes, bags = requests_of(sale, request_fields)
    with pytest.raises(InvoiceError, match="拒绝的原因"):
        services.reject_request(actor=sale.bag_member, request_id=bags.pk, reason=" ")

    services.reject_request(actor=sale.bag_member, request_id=bags.pk, reason="抬头有误")

    assert InvoiceRequest.objects.get(pk=bags.pk).status == "rejected"
    assert OutboundMessage.objects.filter(key__startswith=f"invoice:{bags.key}:rejected").exists()
    (again,) = ask(sale, request_fields)  # the bags' part only: the tomatoes' is still held
    assert (again.producer, again.amount_fen) == (sale.bag_producer, bags.amount_fen)


# Refunds ---------------------------------------------------------------------------------


def bag_line(sale):
    return sale.order.lines.get(producer=sale.bag_producer)


def test_a_refund_before_issuing_caps_the_invoice(sale, request_fields, staff):
    _tomatoes, bags = requests_of(sale, request_fields)
    refund(sale.order, staff, line_id=bag_line(sale).pk, quantity=1)
    left = sale.part(sale.bag_producer)
    assert left == bags.amount_fen - 990

    with pytest.raises(InvoiceError, match="实付减退款"):
        issue(bags, sale.bag_member)
    issued = issue(bags, sale.bag_member, amount=left)

    assert issued.invoice_amount_fen == left
    assert issued.parts.get().amount_fen == left
    assert not issued.needs_red_letter


def test_a_refund_after_issuing_flags_a_red_letter_then_what_is_left_may_be_invoiced(
    sale, request_fields, staff
):
    _tomatoes, bags = requests_of(sale, request_fields)
    issue(bags, sale.bag_member)
    with pytest.raises(InvoiceError, match="没有需要红冲"):
        services.record_red_letter(
            actor=sale.bag_member, request_id=bags.pk, number="R1", issued_on=TODAY
        )

    refund(sale.order, staff, line_id=bag_line(sale).pk, quantity=1)

    bags.refresh_from_db()
    assert bags.needs_red_letter and bags.status == "issued"
    assert OutboundMessage.objects.filter(key__startswith=f"invoice:{bags.key}:red_letter").exists()
    # While the flagged invoice stands, nothing more may be invoiced on the bags.
    with pytest.raises(InvoiceError, match="已全部申请过发票或已退款"):
        ask(sale, request_fields)

    services.record_red_letter(
        actor=sale.bag_member, request_id=bags.pk, number="R00012345", issued_on=TODAY
    )

    bags.refresh_from_db()
    assert (bags.status, bags.needs_red_letter, bags.red_letter_number) == (
        "reversed",
        False,
        "R00012345",
    )
    (again,) = ask(sale, request_fields)
    assert again.amount_fen == sale.part(sale.bag_producer) == bags.invoice_amount_fen - 990


def test_a_refund_that_leaves_the_invoice_covered_flags_nothing(sale, request_fields, staff):
    _tomatoes, bags = requests_of(sale, request_fields)
    issue(bags, sale.bag_member, amount=bags.amount_fen - 990)

    refund(sale.order, staff, line_id=bag_line(sale).pk, quantity=1)

    bags.refresh_from_db()
    assert not bags.needs_red_letter


def test_a_whole_refund_takes_the_shipping_too_and_flags_every_invoice(sale, request_fields, staff):
    tomatoes, bags = requests_of(sale, request_fields)
    issue(bags, sale.bag_member)
    issue(tomatoes, staff)

    refund(sale.order, staff)

    assert set(InvoiceRequest.objects.values_list("needs_red_letter", flat=True)) == {True}
    for request in (tomatoes, bags):
        services.record_red_letter(
            actor=staff if request is tomatoes else sale.bag_member,
            request_id=request.pk,
            number="R1",
            issued_on=TODAY,
        )
    with pytest.raises(InvoiceError, match="已退款"):
        ask(sale, request_fields)


def test_refunding_every_line_one_by_one_keeps_the_shipping_invoiceable(
    sale, request_fields, staff
):
    """Line refunds never return the shipping fee: it stays paid, and invoiceable."""
    for line in sale.order.lines.all():
        refund(sale.order, staff, line_id=line.pk, quantity=line.quantity)
    sale.order.refresh_from_db()
    assert sale.order.status == "refunded" and sale.order.shipping_fen == 1000  # the bags'

    (request,) = ask(sale, request_fields)

    assert (request.producer, request.amount_fen) == (sale.bag_producer, 1000)
    requests = [request]
    assert sum(r.amount_fen for r in requests) == sale.order.total_fen - sale.order.refunded_fen
