"""The public open-data endpoint, ``/open-data/`` (JSON, or ``?format=csv``)."""

import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import open_data

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
    rows = open_data.monthly_aggregates(year=int(year_text) if year_text else None)
    if fmt == "csv":
        response = HttpResponse(open_data.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="liugaizi-aid-open-data.csv"'
        return response
    return JsonResponse(
        {
            "suppression": {"min_households": open_data.MIN_HOUSEHOLDS},
            "rows": rows,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
