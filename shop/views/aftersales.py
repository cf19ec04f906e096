"""The buyer's after-sales pages (售后): the request form for one order line,
the request's page with its history and the buyer's next step, and its photos.

A guest who opened the order in this browser (checkout, 查订单) may act as its
account holder would: the services check ``ownership.owns_order`` with the
session's order numbers. The rules are in shop.aftersales.actions."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shop.aftersales import actions, selectors
from shop.aftersales.actions import AfterSalesError
from shop.aftersales.forms import RequestForm, ReturnForm
from shop.aftersales.models import AfterSalesPhoto, AfterSalesRequest
from shop.orders.models import Order
from shop.orders.ownership import can_view_order, guest_orders, is_producer_member

VIEW_PERMISSION = "shop.view_aftersalesrequest"


def _viewable_request(request, request_id: int) -> AfterSalesRequest:
    aftersales = get_object_or_404(
        AfterSalesRequest.objects.select_related("order", "line", "refund"), pk=request_id
    )
    if not can_view_order(request, aftersales.order):
        raise Http404
    return aftersales


@never_cache
@require_http_methods(["GET", "POST"])
def aftersales_new(request, number: str, line_id: int):
    order = get_object_or_404(Order, number=number)
    if not can_view_order(request, order):
        raise Http404
    line = get_object_or_404(order.lines.select_related("shipment"), pk=line_id)
    kinds = actions.kinds_open(line)
    if not kinds:
        messages.error(request, _("这件商品现在不能申请售后。"))
        return redirect("order_detail", order.number)
    max_quantity = selectors.claimable_quantity(line)
    form = RequestForm(
        request.POST or None, request.FILES or None, kinds=kinds, max_quantity=max_quantity
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.open_request(
                order_id=order.pk,
                line_id=line.pk,
                kind=form.cleaned_data["kind"],
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
                photos=form.cleaned_data["photos"],
                actor=request.user,
                guest_orders=guest_orders(request),
            )
        except AfterSalesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("售后申请已提交，生产者会尽快处理。"))
            return redirect("aftersales_detail", created.pk)
    return render(request, "shop/aftersales/new.html", {"order": order, "line": line, "form": form})


@never_cache
@require_GET
def aftersales_detail(request, request_id: int):
    aftersales = _viewable_request(request, request_id)
    return _detail_page(request, aftersales, return_form=ReturnForm())


def _detail_page(request, aftersales: AfterSalesRequest, *, return_form: ReturnForm):
    return render(
        request,
        "shop/aftersales/detail.html",
        {
            "aftersales": aftersales,
            "order": aftersales.order,
            "steps": aftersales.steps.all(),
            "photos": aftersales.photos.all(),
            "return_form": return_form,
        },
    )


@never_cache
@require_POST
def aftersales_act(request, request_id: int):
    """The buyer's step: accept or reject a proposal, send the return, escalate."""
    aftersales = _viewable_request(request, request_id)
    step = request.POST.get("step", "")
    common = {
        "request_id": aftersales.pk,
        "actor": request.user,
        "guest_orders": guest_orders(request),
    }
    note = request.POST.get("note", "")
    try:
        if step == "accept_proposal":
            done = actions.accept_proposal(**common)
            actions.send_refund(done)
            messages.success(request, _("已接受部分退款，款项将原路退回。"))
        elif step == "reject_proposal":
            actions.reject_proposal(**common, note=note)
            messages.success(request, _("已不接受部分退款，您可以申请镇编辑介入。"))
        elif step == "escalate":
            actions.escalate(**common, note=note)
            messages.success(request, _("已申请镇编辑介入，请等待裁决。"))
        elif step == "ship_return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, aftersales, return_form=form)
            actions.ship_return(
                **common,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
            )
            messages.success(request, _("已登记退货运单，生产者收到后会退款。"))
        else:
            raise Http404
    except AfterSalesError as error:
        messages.error(request, str(error))
    return redirect("aftersales_detail", aftersales.pk)


@never_cache
@require_GET
def aftersales_photo(request, request_id: int, photo_id: int):
    """A claim's photo, for its buyer, the line's producer's members and staff
    who may read requests; everyone else gets 404."""
    photo = get_object_or_404(
        AfterSalesPhoto.objects.select_related("request__order", "request__line"),
        pk=photo_id,
        request_id=request_id,
    )
    claim = photo.request
    allowed = (
        can_view_order(request, claim.order)
        or is_producer_member(request.user, producer_id=claim.line.producer_id)
        or (request.user.is_authenticated and request.user.has_perm(VIEW_PERMISSION))
    )
    if not allowed:
        raise Http404
    try:
        response = FileResponse(photo.file.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, no-store"
    return response
