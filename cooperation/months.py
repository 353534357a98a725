"""Month arithmetic. A month is represented by the date of its first day."""

import datetime as dt

from django.utils import timezone


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last`` inclusive (both normalised to month starts)."""
    month, last = month_start(first), month_start(last)
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def current_month() -> dt.date:
    return month_start(timezone.localdate())


def parse_month(text: str) -> dt.date | None:
    """``2024-03`` → 1 March 2024; anything else → None."""
    try:
        year, month = text.split("-")
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError, OverflowError):  # "99999999999999999999-01" overflows
        return None
