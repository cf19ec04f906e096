"""Units' aid certificates in the admin: the list, a certificate with its PDF
and verification page, and issuing one for a unit and year (aid officers,
through ``certificates.issue``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.views.generic import InspectView
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import register_permission_policy

from aid_accounting.admin.viewsets import ActionIndexView, ReadOnlyViewSet
from aid_accounting.certificates.issue import FIRST_YEAR, issue_certificate
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.certificates.pdf import verification_url
from aid_accounting.certificates.views import pdf_response
from aid_accounting.exceptions import CertificateError
from core.admin_policies import ReadOnlyPolicy
from shop.institutions.models import BuyingUnit

register_permission_policy(AidCertificate, ReadOnlyPolicy(AidCertificate))


class IssueForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("采购单位"), queryset=BuyingUnit.objects.all())
    year = forms.IntegerField(label=gettext_lazy("预算年度"), min_value=FIRST_YEAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].max_value = timezone.localdate().year
        self.fields["year"].initial = timezone.localdate().year


class CertificateIndexView(ActionIndexView):
    action_label = gettext_lazy("出具证明")
    action_url_name = "aid_issue_certificate"
    action_permission = "aid_accounting.add_aidcertificate"


class CertificateInspectView(InspectView):
    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("下载 PDF"),
                url=reverse("aid_certificate_pdf", args=[self.object.pk]),
                icon_name="download",
            ),
            HeaderButton(_("核验页面"), url=verification_url(self.object), icon_name="link"),
        ]


class AidCertificateViewSet(ReadOnlyViewSet):
    model = AidCertificate
    icon = "doc-full"
    menu_label = gettext_lazy("单位帮扶证明")
    # In the 帮扶核算 menu, registered on its own (the group's items are in viewsets).
    menu_hook = "register_aid_accounting_menu_item"
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    list_display = ["unit", "year", "issued_at", "issued_by", "code"]
    list_filter = ["year"]
    inspect_view_fields = ["unit", "year", "code", "issued_at", "issued_by", "digest"]


@permission_required("aid_accounting.add_aidcertificate", raise_exception=True)
def issue(request):
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = issue_certificate(
                unit=form.cleaned_data["unit"], year=form.cleaned_data["year"], actor=request.user
            )
        except CertificateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("帮扶证明已出具。"))
            return redirect("aid_certificates:inspect", certificate.pk)
    return TemplateResponse(
        request,
        "aid_accounting/admin/form.html",
        {"form": form, "title": _("出具单位帮扶证明"), "back_url": "aid_certificates:index"},
    )


@permission_required("aid_accounting.view_aidcertificate", raise_exception=True)
def download(request, certificate_id: int):
    return pdf_response(get_object_or_404(AidCertificate, pk=certificate_id))


def urls():
    return [
        path("aid/certificates/issue/", issue, name="aid_issue_certificate"),
        path("aid/certificates/<int:certificate_id>/pdf/", download, name="aid_certificate_pdf"),
    ]
