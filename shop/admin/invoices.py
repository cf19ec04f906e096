"""发票 in the Wagtail admin: every request listed for staff who see them;
township staff with ``shop.issue_invoice`` record the invoices the township
issues on producers' behalf (or reject, or record a red-letter invoice);
the export for the tax-control system, filtered, as CSV or XLSX."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_columns import YesNoColumn, YuanColumn
from core.admin_policies import ListersOnlyChooserViewSet
from core.money import yuan_amount
from producers.models import Producer
from shop.invoicing import export, services
from shop.invoicing.forms import IssueForm, RedLetterForm, RejectForm
from shop.invoicing.models import InvoiceRequest
from shop.invoicing.selectors import ISSUE_PERMISSION, VIEW_PERMISSION


class InvoiceRequestViewSet(SnippetViewSet):
    """Requests are read here; they change only through the invoicing services."""

    model = InvoiceRequest
    icon = "doc-full"
    chooser_viewset_class = ListersOnlyChooserViewSet  # buyers' titles and e-mails
    menu_label = gettext_lazy("发票申请")
    menu_order = 155
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_template_name = "shop/admin/invoice_inspect.html"
    list_display = [
        "title",
        "producer",
        "issuer",
        "kind",
        YuanColumn("amount_fen", label=gettext_lazy("申请金额"), sort_key="amount_fen"),
        "status",
        YesNoColumn(
            "needs_red_letter",
            label=InvoiceRequest._meta.get_field("needs_red_letter").verbose_name,
            sort_key="needs_red_letter",
        ),
        "created_at",
    ]
    list_filter = ["status", "issuer", "kind", "needs_red_letter", "producer"]
    search_fields = ["title", "tax_number", "invoice_number"]
    copy_view_enabled = False


def _inspect(invoice: InvoiceRequest):
    return redirect(reverse("wagtailsnippets_shop_invoicerequest:inspect", args=[invoice.pk]))


DECISIONS = {"issue": IssueForm, "reject": RejectForm, "red-letter": RedLetterForm}


@permission_required(ISSUE_PERMISSION, raise_exception=True)
def decide(request, request_id: int, action: str):
    """Issue, reject or record the red-letter invoice (the service checks that
    the township issues this request)."""
    form_class = DECISIONS.get(action)
    if form_class is None:
        raise Http404
    invoice = get_object_or_404(InvoiceRequest, pk=request_id)
    form = form_class(request.POST or None, request.FILES or None)
    if action == "issue" and not form.is_bound:
        form.initial["amount"] = yuan_amount(invoice.amount_fen)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "issue":
                services.issue_invoice(
                    actor=request.user,
                    request_id=invoice.pk,
                    number=data["invoice_number"],
                    issued_on=data["invoice_date"],
                    amount_fen=data["amount"],
                    pdf=data["file"],
                )
            elif action == "reject":
                services.reject_request(
                    actor=request.user, request_id=invoice.pk, reason=data["reason"]
                )
            else:
                services.record_red_letter(
                    actor=request.user,
                    request_id=invoice.pk,
                    number=data["red_letter_number"],
                    issued_on=data["red_letter_date"],
                )
        except services.InvoiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已保存。"))
            return _inspect(invoice)
    titles = {"issue": _("登记发票"), "reject": _("拒绝发票申请"), "red-letter": _("登记红字发票")}
    return TemplateResponse(
        request,
        "shop/admin/invoice_form.html",
        {"invoice": invoice, "form": form, "title": titles[action]},
    )


class ExportForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", "—"), *InvoiceRequest.Status.choices],
        required=False,
    )
    issuer = forms.ChoiceField(
        label=gettext_lazy("开具方"),
        choices=[("", "—"), *Producer.InvoiceIssuer.choices],
        required=False,
    )
    producer = forms.ModelChoiceField(
        label=gettext_lazy("销售方"), queryset=Producer.objects.all(), required=False
    )
    since = forms.DateField(
        label=gettext_lazy("申请日期从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("到"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("格式"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx"
    )


@permission_required(VIEW_PERMISSION, raise_exception=True)
def export_requests(request):
    form = ExportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        requests = export.filtered(
            status=data["status"],
            issuer=data["issuer"],
            producer_id=data["producer"].pk if data["producer"] else None,
            since=data["since"],
            until=data["until"],
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        if data["file_format"] == "csv":
            # With a byte-order mark, so spreadsheet programs read the Chinese correctly.
            response = HttpResponse(
                export.as_csv(requests).encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                export.as_xlsx(requests),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = (
            f'attachment; filename="invoice-requests-{stamp}.{data["file_format"]}"'
        )
        return response
    return TemplateResponse(
        request, "shop/admin/invoice_export.html", {"form": form, "title": _("导出发票申请")}
    )


class ExportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


def menu_item() -> ExportMenuItem:
    return ExportMenuItem(
        gettext_lazy("导出发票申请"),
        reverse("shop_invoice_export"),
        name="shop-invoice-export",
        icon_name="download",
        order=156,
    )


def urls() -> list:
    return [
        path("invoices/export/", export_requests, name="shop_invoice_export"),
        path(
            "invoices/<int:request_id>/<str:action>/",
            decide,
            name="shop_invoice_decide",
        ),
    ]
