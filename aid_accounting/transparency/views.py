"""Public pages of the transparency package: the notices (公示) — the index, a
notice and its objection form, thin views over ``notices`` that show only what a
notice stores, masked by construction; anyone may read them (DESIGN §8) — and
the open-data endpoint, ``/open-data/`` (JSON with the periods' ledger seals,
or ``?format=csv``) — and the buyers' way into them: the 帮扶成效 page,
``/impact/``, and the open data as tables and charts, ``/impact/open-data/``."""

import logging
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aid_accounting.exceptions import NoticeError, ObjectionLimitReached
from aid_accounting.notices import publication as notices
from aid_accounting.notices.models import Notice
from aid_accounting.periods.models import PeriodSeal
from aid_accounting.transparency import impact, open_data
from aid_accounting.transparency.forms import ObjectionForm
from aid_accounting.transparency.open_data_page import open_data_page
from shop.accounts.texts import client_ip

logger = logging.getLogger(__name__)

_YEAR = re.compile(r"[0-9]{4}")

FORMATS = ("json", "csv")


@require_GET
def open_data_view(request):
    fmt = request.GET.get("format", "json")
    if fmt not in FORMATS:
        return _bad_request(_("format 只能是 json 或 csv。"))
    year_text = request.GET.get("year", "").strip()
    if year_text and not _YEAR.fullmatch(year_text):
        return _bad_request(_("year 应为四位数字的年份，例如 2026。"))
    year = int(year_text) if year_text else None
    rows = open_data.monthly_aggregates(year=year)
    if fmt == "csv":
        response = HttpResponse(open_data.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="liugaizi-aid-open-data.csv"'
        return response
    return JsonResponse(
        {
            "suppression": {"min_households": open_data.MIN_HOUSEHOLDS},
            "rows": rows,
            "seals": open_data.seals(year=year),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def impact_view(request):
    return TemplateResponse(
        request, "aid_accounting/impact/index.html", {"impact": impact.township_impact()}
    )


@require_GET
def open_data_html(request):
    """The open data for people: one year (the latest by default) and one
    dimension; a year or dimension it does not know falls back to the default."""
    year_text = request.GET.get("year", "")
    dimension = request.GET.get("dimension", "")
    page = open_data_page(
        year=int(year_text) if _YEAR.fullmatch(year_text) else None,
        dimension=dimension if dimension in open_data.DIMENSIONS else "village",
    )
    return TemplateResponse(
        request,
        "aid_accounting/impact/open_data.html",
        {
            "data": page,
            "chart": {
                **page.chart,
                "names": {
                    "sales": _("销售额"),
                    "accrued": _("计入帮扶资金"),
                    "distributed": _("分配到户"),
                },
            },
            "min_households": open_data.MIN_HOUSEHOLDS,
            "dimensions": [
                ("village", _("按村")),
                ("producer", _("按生产者")),
                ("category", _("按品类")),
            ],
        },
    )


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


def _published():
    return Notice.objects.filter(status=Notice.Status.PUBLISHED).select_related("village", "period")


NOTICES_PER_PAGE = 20


def notice_index(request):
    published = _published().order_by("village__name", "village__pk", "-period__start")
    page = Paginator(published, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "aid_accounting/notices/index.html", {"notices": page})


def notice_detail(request, notice_id: int):
    notice = get_object_or_404(_published(), pk=notice_id)
    form = None
    status = 200
    if notice.window_is_open():
        form = ObjectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.is_bot():
                    # Refused quietly: the bot is told what a person would be, nothing is stored.
                    logger.info("objection honeypot filled; nothing stored")
                else:
                    notices.submit_objection(
                        notice=notice, client_address=client_ip(request), **form.objection()
                    )
            except ObjectionLimitReached as limited:
                form.add_error(None, str(limited))
                status = 429
            except NoticeError as error:
                # The window closed while the form was being filled in.
                form.add_error(None, str(error))
            else:
                messages.success(request, _("您的异议已提交，帮扶专员会尽快核实并与您联系。"))
                return redirect("notices:detail", notice.pk)
    return TemplateResponse(
        request,
        "aid_accounting/notices/detail.html",
        {
            "notice": notice,
            "rows": notice.rows.all(),
            "form": form,
            # The period's ledger seal (none for periods closed before seals).
            "seal": PeriodSeal.objects.filter(period_id=notice.period_id).first(),
        },
        status=status,
    )
