"""The producer portal's earnings pages: thin views over ``payouts.statements``, always
for the producer the request acts for (``request.portal.producer``)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from aid_accounting.payouts import statements
from producers.portal.base import portal_view


@portal_view
@require_safe
def earnings_page(request):
    producer = request.portal.producer
    years = statements.statement_years(producer=producer)
    statement = statements.monthly_statement(producer=producer, year=_chosen_year(request, years))
    return render(
        request,
        "aid_accounting/portal/earnings.html",
        {"statement": statement, "years": years},
    )


@portal_view
@require_safe
def earnings_csv(request):
    producer = request.portal.producer
    year = _chosen_year(request, statements.statement_years(producer=producer))
    text = statements.statement_csv(producer=producer, year=year)
    # With a byte-order mark, so Excel reads the Chinese correctly.
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="earnings-{producer.code}-{year}.csv"'
    return response


def _chosen_year(request, years: list[int]) -> int:
    """``?year=`` if it is one of ``years``, this year (the last) if absent; else 404.

    Compared as text, so no input reaches ``int()`` or a date."""
    chosen = request.GET.get("year")
    if chosen is None:
        return years[-1]
    by_text = {str(year): year for year in years}
    if chosen not in by_text:
        raise Http404("no statement for that year")
    return by_text[chosen]
