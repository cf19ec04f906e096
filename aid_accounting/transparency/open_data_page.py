"""The open data as buyers read it (DESIGN §7 Transparency): the rows of
``open_data.monthly_aggregates`` for one year and one dimension, grouped by
month for the tables, and the series the page's charts draw.

Nothing is added to the open data: a suppressed cell stays empty here too,
in the tables and in the charts' data (``None``, drawn as a gap), so the HTML
page shows exactly what ``/open-data/`` serves, only easier to read.
"""

from collections import defaultdict
from dataclasses import dataclass

from aid_accounting.transparency import open_data


@dataclass(frozen=True)
class Month:
    month: str
    rows: list[dict]
    sales_fen: int
    aid_accrued_fen: int
    has_suppressed: bool


@dataclass(frozen=True)
class OpenDataPage:
    years: list[int]
    year: int | None
    dimension: str
    months: list[Month]  # latest first
    chart: dict

    @property
    def has_suppressed(self) -> bool:
        return any(month.has_suppressed for month in self.months)


def open_data_page(*, year: int | None, dimension: str) -> OpenDataPage:
    """``year`` None, or one without data: the latest year that has data."""
    rows = open_data.monthly_aggregates()
    years = sorted({int(row["month"][:4]) for row in rows}, reverse=True)
    if year not in years:
        year = years[0] if years else None
    in_year = [row for row in rows if year is not None and row["month"].startswith(f"{year:04d}-")]
    by_month: dict[str, list[dict]] = defaultdict(list)
    for row in in_year:
        if row["dimension"] == dimension:
            by_month[row["month"]].append(row)
    months = [
        Month(
            month=month,
            rows=sorted(by_month[month], key=lambda row: (-row["sales_fen"], row["name"])),
            # Sales and accrued aid are never suppressed, so their totals are the month's.
            sales_fen=sum(row["sales_fen"] for row in by_month[month]),
            aid_accrued_fen=sum(row["aid_accrued_fen"] for row in by_month[month]),
            has_suppressed=any(row["suppressed"] for row in by_month[month]),
        )
        for month in sorted(by_month, reverse=True)
    ]
    return OpenDataPage(
        years=years,
        year=year,
        dimension=dimension,
        months=months,
        chart=_chart(in_year),
    )


def _chart(rows: list[dict]) -> dict:
    """Fen, oldest month first: the township's sales and accrued aid per month
    (from the village rows: every dimension adds up to the same totals), and
    what each village's households were paid per month, None where suppressed
    or nothing."""
    villages = [row for row in rows if row["dimension"] == "village"]
    labels = sorted({row["month"] for row in villages})
    index = {month: n for n, month in enumerate(labels)}
    sales = [0] * len(labels)
    accrued = [0] * len(labels)
    distributed: dict[str, list[int | None]] = {}
    for row in villages:
        n = index[row["month"]]
        sales[n] += row["sales_fen"]
        accrued[n] += row["aid_accrued_fen"]
        if row["aid_distributed_fen"]:
            series = distributed.setdefault(row["name"], [None] * len(labels))
            series[n] = row["aid_distributed_fen"]
    return {
        "labels": labels,
        "sales": sales,
        "accrued": accrued,
        "distributed": [
            {"label": name, "data": data} for name, data in sorted(distributed.items())
        ],
    }
