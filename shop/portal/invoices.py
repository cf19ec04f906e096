"""发票 in the portal, for producers that issue their own: the requests for
the producer's sales, recording an invoice (number, date, amount, PDF) or
rejecting a request, and recording the red-letter invoice a refund calls for.
Another producer's request answers 404 (its id with this producer's)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.money import format_yuan, yuan_amount
from producers.portal.base import portal_view, record_activity
from shop.invoicing import selectors, services
from shop.invoicing.forms import IssueForm, RedLetterForm, RejectForm
from shop.invoicing.models import InvoiceRequest


def _own_request(request, request_id: int) -> InvoiceRequest:
    return get_object_or_404(
        selectors.requests_for_producer(request.portal.producer.pk), pk=request_id
    )


def _page(request, *, failed=None, failed_id: int | None = None):
    invoices = list(selectors.requests_for_producer(request.portal.producer.pk)[:100])
    for invoice in invoices:
        failed_here = failed if invoice.pk == failed_id else None
        invoice.issue_form = (
            failed_here
            if isinstance(failed_here, IssueForm)
            else IssueForm(
                prefix=f"i{invoice.pk}", initial={"amount": yuan_amount(invoice.amount_fen)}
            )
        )
        invoice.reject_form = (
            failed_here
            if isinstance(failed_here, RejectForm)
            else RejectForm(prefix=f"r{invoice.pk}")
        )
        invoice.red_letter_form = (
            failed_here
            if isinstance(failed_here, RedLetterForm)
            else RedLetterForm(prefix=f"x{invoice.pk}")
        )
    return render(request, "shop/portal/invoices.html", {"invoices": invoices})


@portal_view
def invoice_list(request):
    return _page(request)


@portal_view
@require_POST
def invoice_issue(request, request_id: int):
    invoice = _own_request(request, request_id)
    form = IssueForm(request.POST, request.FILES, prefix=f"i{invoice.pk}")
    if not form.is_valid():
        return _page(request, failed=form, failed_id=invoice.pk)
    data = form.cleaned_data
    try:
        services.issue_invoice(
            actor=request.user,
            request_id=invoice.pk,
            number=data["invoice_number"],
            issued_on=data["invoice_date"],
            amount_fen=data["amount"],
            pdf=data["file"],
        )
    except services.InvoiceError as error:
        form.add_error(None, str(error))
        return _page(request, failed=form, failed_id=invoice.pk)
    record_activity(
        context=request.portal,
        user=request.user,
        action="invoice_issued",
        summary=_("开具发票 %(number)s，%(amount)s")
        % {"number": data["invoice_number"], "amount": format_yuan(data["amount"])},
    )
    messages.success(request, _("发票已登记，买家会收到通知。"))
    return redirect("portal:invoices")


@portal_view
@require_POST
def invoice_reject(request, request_id: int):
    invoice = _own_request(request, request_id)
    form = RejectForm(request.POST, prefix=f"r{invoice.pk}")
    if not form.is_valid():
        return _page(request, failed=form, failed_id=invoice.pk)
    try:
        services.reject_request(
            actor=request.user, request_id=invoice.pk, reason=form.cleaned_data["reason"]
        )
    except services.InvoiceError as error:
        form.add_error(None, str(error))
        return _page(request, failed=form, failed_id=invoice.pk)
    record_activity(
        context=request.portal, user=request.user, action="invoice_rejected", summary=invoice.title
    )
    messages.success(request, _("已拒绝这份发票申请。"))
    return redirect("portal:invoices")


@portal_view
@require_POST
def invoice_red_letter(request, request_id: int):
    invoice = _own_request(request, request_id)
    form = RedLetterForm(request.POST, prefix=f"x{invoice.pk}")
    if not form.is_valid():
        return _page(request, failed=form, failed_id=invoice.pk)
    try:
        services.record_red_letter(
            actor=request.user,
            request_id=invoice.pk,
            number=form.cleaned_data["red_letter_number"],
            issued_on=form.cleaned_data["red_letter_date"],
        )
    except services.InvoiceError as error:
        form.add_error(None, str(error))
        return _page(request, failed=form, failed_id=invoice.pk)
    record_activity(
        context=request.portal,
        user=request.user,
        action="invoice_red_letter",
        summary=invoice.invoice_number,
    )
    messages.success(request, _("红字发票已登记，买家可以重新申请发票。"))
    return redirect("portal:invoices")
