"""The accounts' spans of time: calendar months ("2026-10") and years
("2026"), in local time. The one notion of a period, for the close (months),
the dashboard and reports (months or years) and the statements (years).

A span runs from local midnight of its first day (``starts_at``) to local
midnight of the day after its last (``ends_at``, exclusive); a sale, a
refund or any posting belongs to the span it is booked in (``accrual.booking``).
"""

import datetime
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.exceptions import PeriodError

_CODE = re.compile(r"(\d{4})-(\d{2})")

_YEAR = re.compile(r"\d{4}")

# The years the dashboard and reports accept: far enough from year 1 and 9999
# that a span, the one before it and their ends are all dates.
YEARS = range(2000, 2100)


class _Span(ABC):
    """What months and years share, from their first day and the span after them."""

    @property
    @abstractmethod
    def start(self) -> datetime.date: ...

    @abstractmethod
    def next(self) -> "_Span": ...

    @property
    def end(self) -> datetime.date:
        """The last day, inclusive."""
        return self.next().start - datetime.timedelta(days=1)

    @property
    def starts_at(self) -> datetime.datetime:
        return start_of_day(self.start)

    @property
    def ends_at(self) -> datetime.datetime:
        """The first instant after the span (exclusive end)."""
        return start_of_day(self.next().start)

    def contains(self, field: str) -> Q:
        """The rows whose datetime ``field`` falls in the span."""
        return Q(**{f"{field}__gte": self.starts_at, f"{field}__lt": self.ends_at})


@dataclass(frozen=True)
class Month(_Span):
    year: int
    month: int

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


@dataclass(frozen=True)
class Year(_Span):
    year: int

    @property
    def code(self) -> str:
        return f"{self.year:04d}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    def next(self) -> "Year":
        return Year(self.year + 1)

    def previous(self) -> "Year":
        return Year(self.year - 1)


Span = Month | Year


def parse(code: str) -> Month:
    """ "2026-10" → Month(2026, 10); anything else raises PeriodError with a clear message."""
    match = _CODE.fullmatch(str(code).strip())
    # Years 2 to 9998 only: the month before and after must be dates too
    # (close_period reads both), and date() stops at years 1 and 9999.
    if not match or not 1 <= int(match[2]) <= 12 or not 2 <= int(match[1]) <= 9998:
        raise PeriodError(
            _("“%(code)s”不是有效的期间，请写成“年-月”，例如 2026-10。") % {"code": code}
        )
    return Month(int(match[1]), int(match[2]))


def parse_span(code: str) -> Span:
    """ "2026" → the year, "2026-10" → the month, within ``YEARS``; anything
    else raises PeriodError."""
    code = str(code).strip()
    if _YEAR.fullmatch(code) and int(code) in YEARS:
        return Year(int(code))
    try:
        month = parse(code)
    except PeriodError:
        month = None
    if month is None or month.year not in YEARS:
        raise PeriodError(
            _("“%(code)s”不是有效的期间，请写成年份（2026）或年-月（2026-10）。") % {"code": code}
        )
    return month


def month_of(moment: datetime.datetime) -> Month:
    day = timezone.localtime(moment).date()
    return Month(day.year, day.month)


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included (empty if first is later)."""
    months = []
    month = first
    while month.start <= last.start:
        months.append(month)
        month = month.next()
    return months


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
