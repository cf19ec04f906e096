"""Accounting periods: calendar months in local time, named "YYYY-MM".

A period runs from local midnight of its first day to local midnight of the
first day of the next month; a sale belongs to it by ``order.paid_at``.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.exceptions import PeriodError

_CODE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def end(self) -> datetime.date:
        """The last day, inclusive."""
        return self.next().start - datetime.timedelta(days=1)

    @property
    def starts_at(self) -> datetime.datetime:
        return start_of_day(self.start)

    @property
    def ends_at(self) -> datetime.datetime:
        """The first instant after the period (exclusive end)."""
        return start_of_day(self.next().start)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


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
