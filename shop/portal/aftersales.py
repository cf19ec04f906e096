"""The producer's after-sales pages in the portal: the requests to answer, with
their deadlines, and one request with its photos, history and the four answers
(and 确认收到退货 once the buyer sent the goods back).

A request is looked up with the producer the page acts for, so another
producer's request answers 404; the service checks membership again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.money import format_yuan
from producers.portal.base import portal_view, record_activity
from shop.aftersales import actions, selectors
from shop.aftersales.actions import AfterSalesError
from shop.aftersales.forms import AnswerForm
from shop.aftersales.models import OPEN_STATUSES, AfterSalesRequest, Status


def _own_request(request, request_id: int) -> AfterSalesRequest:
    return get_object_or_404(
        AfterSalesRequest.objects.select_related("order", "line", "refund"),
        pk=request_id,
        line__producer=request.portal.producer,
    )


def _record(request, action: str, aftersales: AfterSalesRequest, summary: str) -> None:
    record_activity(
        context=request.portal,
        user=request.user,
        action=action,
        summary=_("订单 %(number)s 售后：%(summary)s")
        % {"number": aftersales.order.number, "summary": summary},
    )


@portal_view
def request_list(request):
    requests = selectors.for_producer(request.portal.producer)
    return render(
        request,
        "shop/portal/aftersales_list.html",
        {
            "to_answer": [r for r in requests if r.waits_for == "producer"],
            "others": [r for r in requests if r.waits_for != "producer"][:50],
            "open_statuses": OPEN_STATUSES,
        },
    )


@portal_view
@require_http_methods(["GET", "POST"])
def request_detail(request, request_id: int):
    aftersales = _own_request(request, request_id)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = form.cleaned_data["step"]
        try:
            done = actions.answer(
                request_id=aftersales.pk,
                step=step,
                actor=request.user,
                amount_fen=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except (AfterSalesError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            label = dict(AnswerForm.STEPS)[step]
            if step == "propose":
                label = f"{label} {format_yuan(done.proposed_fen)}"
            _record(request, f"aftersales_{step}", done, str(label))
            actions.send_refund(done)
            messages.success(request, _("已处理：%(step)s。") % {"step": label})
            return redirect("portal:aftersales_detail", aftersales.pk)
    return render(
        request,
        "shop/portal/aftersales_detail.html",
        {
            "aftersales": aftersales,
            "form": form,
            "steps": aftersales.steps.all(),
            "photos": aftersales.photos.all(),
            "can_answer": aftersales.status == Status.OPEN,
            "can_confirm": aftersales.status == Status.RETURN_SHIPPED,
            "left_fen": aftersales.line.total_fen - aftersales.line.refunded_fen,
        },
    )


@portal_view
@require_POST
def return_received(request, request_id: int):
    aftersales = _own_request(request, request_id)
    try:
        done = actions.confirm_return(request_id=aftersales.pk, actor=request.user)
    except (AfterSalesError, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        _record(request, "aftersales_received", done, _("确认收到退货"))
        actions.send_refund(done)
        messages.success(request, _("已确认收到退货，款项将退给买家。"))
    return redirect("portal:aftersales_detail", aftersales.pk)
