"""The dashboard (帮扶看板) and the reports in the Wagtail admin: thin views
over ``dashboard``, ``reports`` and ``report_export``.

Wagtail's admin URLs already send anyone without admin access to the log-in
page; these views further admit only the roles of DESIGN §8 that read the
township's figures.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from aid_accounting import calendar
from aid_accounting.exceptions import PeriodError
from aid_accounting.households.personal_data import can_reveal_personal_data
from aid_accounting.transparency import report_export, reports
from aid_accounting.transparency.dashboard import dashboard
from core.money import yuan_amount
from core.roles import AID_OFFICER, AUDITOR, TOWNSHIP_EDITOR
from producers.models import Producer, Village

# Editors see the aggregates (no person is in them); the reports, which list
# households and the ledger, are for aid officers and auditors.
DASHBOARD_ROLES = (AID_OFFICER, AUDITOR, TOWNSHIP_EDITOR)

REPORT_ROLES = (AID_OFFICER, AUDITOR)

FORMATS = {
    "csv": ("text/csv; charset=utf-8", report_export.to_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        report_export.to_xlsx,
    ),
}


def can_view_dashboard(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name__in=DASHBOARD_ROLES).exists()
    )


def can_view_reports(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name__in=REPORT_ROLES).exists()
    )


class FilterForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("期间"),
        max_length=7,
        help_text=gettext_lazy("年份（2026）或年-月（2026-10）"),
    )
    village = forms.ModelChoiceField(
        label=gettext_lazy("村"), queryset=Village.objects.order_by("name"), required=False
    )
    producer = forms.ModelChoiceField(
        label=gettext_lazy("生产者"), queryset=Producer.objects.order_by("name"), required=False
    )

    def clean_period(self) -> calendar.Span:
        try:
            return calendar.parse_span(self.cleaned_data["period"])
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None


def _default_period() -> calendar.Span:
    return calendar.Year(timezone.localdate().year)


def _chosen_period(request) -> calendar.Span:
    """The ``period`` of the query string, or this year with a message if it is not valid."""
    code = request.GET.get("period")
    if not code:
        return _default_period()
    try:
        return calendar.parse_span(code)
    except PeriodError as error:
        messages.error(request, str(error))
        return _default_period()


def dashboard_view(request):
    if not can_view_dashboard(request.user):
        raise PermissionDenied(_("您没有查看帮扶看板的权限。"))
    board = dashboard(period=_chosen_period(request))
    figures = [
        (_("销售额"), board.totals.sales_fen, board.previous.sales_fen),
        (_("退款"), board.totals.refunded_fen, board.previous.refunded_fen),
        (_("帮扶计提"), board.totals.aid_accrued_fen, board.previous.aid_accrued_fen),
        (_("帮扶冲回"), board.totals.aid_reversed_fen, board.previous.aid_reversed_fen),
        (_("分配到户"), board.totals.distributed_fen, board.previous.distributed_fen),
        (_("支付到户"), board.totals.paid_out_fen, board.previous.paid_out_fen),
        (_("期末应付帮扶户"), board.totals.payable_fen, board.previous.payable_fen),
        (_("期末资金池未分配"), board.totals.undistributed_fen, board.previous.undistributed_fen),
        (
            _("支付生产者"),
            board.totals.producer_paid_out_fen,
            board.previous.producer_paid_out_fen,
        ),
    ]
    chart_data = {
        "comparison": {
            "labels": [label for label, _now, _before in figures[:6]],
            "current": [now / 100 for _label, now, _before in figures[:6]],
            "previous": [before / 100 for _label, _now, before in figures[:6]],
            "currentLabel": board.period.code,
            "previousLabel": board.period.previous().code,
        },
        "village": _series(board.by_village, "distributed_fen", "aid_accrued_fen"),
        "producer": _series(board.by_producer, "sales_fen", "aid_accrued_fen"),
        "category": _series(board.by_category, "sales_fen", "aid_accrued_fen"),
        "channel": _series(board.by_channel, "sales_fen", "aid_accrued_fen"),
        "names": {
            "sales_fen": _("销售额（元）"),
            "aid_accrued_fen": _("帮扶计提（元）"),
            "distributed_fen": _("分配到户（元）"),
        },
    }
    return TemplateResponse(
        request,
        "aid_accounting/admin/dashboard.html",
        {
            "board": board,
            "figures": [
                {"label": label, "now": now, "before": before, "change": now - before}
                for label, now, before in figures
            ],
            "chart_data": chart_data,
            "breakdowns": [
                (_("按村"), board.by_village, True),
                (_("按生产者"), board.by_producer, False),
                (_("按品类"), board.by_category, False),
                (_("按渠道"), board.by_channel, False),
            ],
            "can_view_reports": can_view_reports(request.user),
            "reports": reports.REPORTS,
        },
    )


def _series(rows, *names: str) -> dict:
    # Chart.js needs numbers; a float here is only for drawing, never for accounts.
    return {
        "labels": [row.label for row in rows],
        "series": {name: [getattr(row, name) / 100 for row in rows] for name in names},
    }


class DownloadForm(FilterForm):
    """A report's download: the filters of the page shown, and for a report that
    lists persons the purpose, and whether an aid officer wants them in full."""

    purpose = forms.CharField(
        label=gettext_lazy("下载用途"),
        max_length=200,
        help_text=gettext_lazy("例如：向县乡村振兴局报送本年帮扶户名单"),
        error_messages={
            "required": gettext_lazy("下载含个人信息的报表，请先写明用途。"),
        },
    )
    full = forms.BooleanField(
        label=gettext_lazy("下载完整姓名和身份证号码（不勾选则脱敏）"), required=False
    )

    def __init__(self, *args, slug: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("period", "village", "producer"):
            self.fields[name].widget = forms.HiddenInput()
        if slug not in reports.PERSONAL_REPORTS:
            del self.fields["purpose"]
        if slug not in reports.PERSONAL_REPORTS or not can_reveal_personal_data(user):
            del self.fields["full"]


def _filters(cleaned_data: dict) -> reports.Filters:
    return reports.Filters(
        period=cleaned_data["period"],
        village_id=cleaned_data["village"].pk if cleaned_data["village"] else None,
        producer_id=cleaned_data["producer"].pk if cleaned_data["producer"] else None,
    )


def _require_report(request, slug: str) -> None:
    if not can_view_reports(request.user):
        raise PermissionDenied(_("您没有查看帮扶报表的权限。"))
    if slug not in reports.REPORTS:
        raise Http404


def report_view(request, slug: str):
    _require_report(request, slug)
    data = request.GET.copy()
    data.setdefault("period", _default_period().code)
    form = FilterForm(data)
    download_form = DownloadForm(
        initial={name: data.get(name) for name in ("period", "village", "producer")},
        slug=slug,
        user=request.user,
    )
    return _report_page(request, slug, form, download_form)


@require_POST
def report_download(request, slug: str):
    """Downloads are posted (a link cannot export a register), and one that lists
    persons states its purpose; names and ID numbers come masked unless an aid
    officer asks for them in full, which the audit log records with the purpose."""
    _require_report(request, slug)
    form = DownloadForm(request.POST, slug=slug, user=request.user)
    export = FORMATS.get(request.POST.get("format", ""))
    if form.is_valid() and export is None:
        form.add_error(None, _("请选择下载格式：CSV 或 XLSX。"))
    if not form.is_valid():
        return _report_page(request, slug, FilterForm(request.POST), form)
    filters = _filters(form.cleaned_data)
    report = reports.build(
        slug,
        filters=filters,
        user=request.user,
        reveal=form.cleaned_data.get("full", False),
        reason=form.cleaned_data.get("purpose", ""),
    )
    content_type, write = export
    response = HttpResponse(write(report), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{filters.period.code}.{request.POST["format"]}"'
    )
    return response


def _report_page(request, slug: str, form: FilterForm, download_form: DownloadForm):
    report = None
    if form.is_valid():
        report = reports.build(slug, filters=_filters(form.cleaned_data), user=request.user)
    return TemplateResponse(
        request,
        "aid_accounting/admin/report.html",
        {
            "title": reports.REPORTS[slug][0],
            "slug": slug,
            "form": form,
            "download_form": download_form,
            "report": report,
            "table": _table(report) if report else None,
            "reports": reports.REPORTS,
            "lists_persons": slug in reports.PERSONAL_REPORTS,
        },
    )


# The page shows the first rows only; the downloads have them all.
PREVIEW_ROWS = 500


def _table(report: reports.Report) -> dict:
    money = [column.money for column in report.columns]
    return {
        "rows": [
            [
                yuan_amount(value) if is_money else value
                for is_money, value in zip(money, row, strict=True)
            ]
            for row in report.rows[:PREVIEW_ROWS]
        ],
        "truncated": len(report.rows) > PREVIEW_ROWS,
        "count": len(report.rows),
        "totals": [
            yuan_amount(report.total(column.label)) if column.money else ""
            for column in report.columns
        ],
    }


class DashboardMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_view_dashboard(request.user)


def menu_item() -> DashboardMenuItem:
    return DashboardMenuItem(
        gettext_lazy("帮扶看板"),
        reverse("aid_dashboard"),
        name="aid-dashboard",
        icon_name="table",
        order=311,
    )


def urls() -> list:
    return [
        path("aid/dashboard/", dashboard_view, name="aid_dashboard"),
        path("aid/reports/<slug:slug>/", report_view, name="aid_report"),
        path("aid/reports/<slug:slug>/download/", report_download, name="aid_report_download"),
    ]
