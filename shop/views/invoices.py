"""A buyer's 发票: requesting one over paid orders (their own, or a unit's
they are a member of), the list of their requests, downloading an invoice.
The rules are in shop.invoicing.services; every refusal to download is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from shop.institutions.models import BuyingUnit
from shop.invoicing import selectors
from shop.invoicing.forms import InvoiceRequestForm
from shop.invoicing.models import InvoiceRequest
from shop.invoicing.services import InvoiceError, request_invoice
from shop.orders.models import BuyerProfile


@never_cache
@login_required
def invoice_list(request):
    return render(
        request,
        "shop/account/invoices.html",
        {"requests": selectors.requests_for_buyer(request.user)},
    )


def _scope(request) -> BuyingUnit | None:
    """The unit the buyer requests for (``?unit=<id>``, one of theirs), or None: their own."""
    unit_id = request.GET.get("unit", "")
    if not unit_id.isdigit():
        return None
    return get_object_or_404(BuyingUnit, pk=unit_id, memberships__user=request.user)


def _initial(request, unit: BuyingUnit | None) -> dict:
    if unit is not None:
        return {
            "title": unit.invoice_title,
            "tax_number": unit.tax_number,
            "email": request.user.email,
        }
    profile = BuyerProfile.objects.filter(user=request.user).first()
    return {
        "title": profile.invoice_title if profile else "",
        "tax_number": profile.tax_number if profile else "",
        "email": request.user.email,
    }


@never_cache
@login_required
def invoice_new(request):
    unit = _scope(request)
    orders = selectors.orders_for_invoicing(request.user)
    orders = orders.filter(buying_unit=unit) if unit else orders.filter(buying_unit__isnull=True)
    # Orders already invoiced in full are not offered (the service refuses them anyway).
    orders = orders.filter(
        pk__in=[
            order.pk
            for order in orders
            if any(f > 0 for f in selectors.left_to_invoice(order).values())
        ]
    )
    form = InvoiceRequestForm(request.POST or None, orders=orders, initial=_initial(request, unit))
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = request_invoice(
                actor=request.user,
                order_ids=[order.pk for order in data["orders"]],
                kind=data["kind"],
                title=data["title"],
                tax_number=data["tax_number"],
                address_phone=data["address_phone"],
                bank_account=data["bank_account"],
                email=data["email"],
            )
        except InvoiceError as problem:
            error = str(problem)
        else:
            messages.success(
                request,
                _("已提交 %(count)s 份发票申请（按销售方分开开票）。") % {"count": len(created)}
                if len(created) > 1
                else _("发票申请已提交。"),
            )
            return redirect("account_invoices")
    units = BuyingUnit.objects.filter(memberships__user=request.user)
    return render(
        request,
        "shop/account/invoice_form.html",
        {"form": form, "error": error, "unit": unit, "units": units},
    )


@never_cache
@require_safe
def invoice_download(request, key):
    invoice = InvoiceRequest.objects.filter(key=key).first()
    if (
        invoice is None
        or not invoice.file
        or invoice.status not in (InvoiceRequest.Status.ISSUED, InvoiceRequest.Status.REVERSED)
        or not selectors.may_download(request.user, invoice)
    ):
        raise Http404
    response = FileResponse(
        invoice.file.open("rb"),
        as_attachment=True,
        filename=f"发票{invoice.invoice_number}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
