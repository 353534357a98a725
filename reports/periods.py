"""Reporting periods: which report months a dashboard, PDF or export covers.

A report month is stored as the first day of the month it is labelled with. Under the plan's
``period_rule``:

- ``calendar``: month M covers 1/M to its last day;
- ``decree09`` (Decree 09/2019/NĐ-CP, art. 12): month M covers the 15th of M-1 to the 14th of
  M; a quarter runs from the 15th of the month before it to the 14th of its last month, a
  half-year 15/12–14/6 and 15/6–14/12, a year 15/12–14/12.

Both rules group the *same* report months into quarters, halves and years (Q1 is always the
reports labelled 01, 02, 03); they differ in the dates printed for a period and in which month
is the current one on a given day (on 20/03 the Decree 09 month in progress is April's).

A period key travels in URLs: ``2024-03`` (month), ``2024-Q1`` (quarter), ``2024-H1`` (six
months), ``2024`` (year), ``plan`` (the whole plan).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement
from cooperation.months import add_months, month_start, months_between

CALENDAR = Agreement.PeriodRule.CALENDAR
DECREE_09 = Agreement.PeriodRule.DECREE_09
CUT_OFF_DAY = 14  # Decree 09: the period ends on the 14th, the next starts on the 15th.

MONTH, QUARTER, HALF, YEAR, PLAN = "month", "quarter", "half", "year", "plan"
KINDS = (MONTH, QUARTER, HALF, YEAR, PLAN)
KIND_LABELS = {
    PLAN: gettext_lazy("Whole plan"),
    YEAR: gettext_lazy("Years"),
    HALF: gettext_lazy("6 months"),
    QUARTER: gettext_lazy("Quarters"),
    MONTH: gettext_lazy("Months"),
}

_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<q>[1-4])|H(?P<h>[12])))?$")


@dataclass(frozen=True)
class Period:
    """A span of report months. ``first_month``/``last_month`` are month starts (inclusive);
    ``start_date``/``end_date`` are the days it covers under ``rule``."""

    kind: str
    key: str
    first_month: dt.date
    last_month: dt.date
    rule: str
    start_date: dt.date
    end_date: dt.date

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.first_month, self.last_month)

    @property
    def label(self) -> str:
        year = self.first_month.year
        if self.kind == MONTH:
            return _("Month %(month)s") % {"month": self.first_month.strftime("%m/%Y")}
        if self.kind == QUARTER:
            return _("Quarter %(q)s/%(year)s") % {
                "q": (self.first_month.month - 1) // 3 + 1,
                "year": year,
            }
        if self.kind == HALF:
            if self.first_month.month == 1:
                return _("First 6 months of %(year)s") % {"year": year}
            return _("Last 6 months of %(year)s") % {"year": year}
        if self.kind == YEAR:
            return _("Year %(year)s") % {"year": year}
        return _("Whole plan")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def date_range(self) -> str:
        return f"{self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"

    def contains(self, month: dt.date) -> bool:
        return self.first_month <= month <= self.last_month


def month_dates(month: dt.date, rule: str) -> tuple[dt.date, dt.date]:
    """The first and last day a report month covers under ``rule``."""
    if rule == DECREE_09:
        return add_months(month, -1).replace(day=CUT_OFF_DAY + 1), month.replace(day=CUT_OFF_DAY)
    return month, add_months(month, 1) - dt.timedelta(days=1)


def report_month_of(day: dt.date, rule: str) -> dt.date:
    """The report month a day falls in: under Decree 09 the 15th onwards belongs to the next."""
    if rule == DECREE_09 and day.day > CUT_OFF_DAY:
        return add_months(month_start(day), 1)
    return month_start(day)


def last_closed_month(today: dt.date, rule: str) -> dt.date:
    """The latest report month whose period has ended by ``today``."""
    return add_months(report_month_of(today, rule), -1)


def plan_months(plan: Agreement) -> tuple[dt.date, dt.date]:
    """First and last report month of a plan (or sub-agreement): the months its start and
    end dates fall in, as the entry pages count them (activities.selectors.reporting_months),
    whatever the rule — a report month is a label, and the rule only moves its dates."""
    return month_start(plan.start_date), month_start(plan.end_date)


def _period(kind: str, key: str, first: dt.date, last: dt.date, rule: str) -> Period:
    return Period(
        kind=kind,
        key=key,
        first_month=first,
        last_month=last,
        rule=rule,
        start_date=month_dates(first, rule)[0],
        end_date=month_dates(last, rule)[1],
    )


def period_for(
    kind: str,
    *,
    year: int | None = None,
    number: int = 1,
    rule: str = CALENDAR,
    plan_span: tuple[dt.date, dt.date] | None = None,
) -> Period:
    """Build a period. ``number`` is the month (1–12), quarter (1–4) or half (1–2);
    ``plan_span`` (first and last report month) is required for ``plan``."""
    if kind == PLAN:
        if plan_span is None:
            raise ValueError("plan_span is required for the whole plan")
        return _period(PLAN, "plan", plan_span[0], plan_span[1], rule)
    if year is None:
        raise ValueError("year is required")
    if kind == MONTH:
        first = dt.date(year, number, 1)
        return _period(MONTH, f"{year}-{number:02d}", first, first, rule)
    if kind == QUARTER:
        first = dt.date(year, 3 * (number - 1) + 1, 1)
        return _period(QUARTER, f"{year}-Q{number}", first, add_months(first, 2), rule)
    if kind == HALF:
        first = dt.date(year, 6 * (number - 1) + 1, 1)
        return _period(HALF, f"{year}-H{number}", first, add_months(first, 5), rule)
    if kind == YEAR:
        return _period(YEAR, str(year), dt.date(year, 1, 1), dt.date(year, 12, 1), rule)
    raise ValueError(f"unknown period kind {kind!r}")


def period_parse(key: str | None, *, plan: Agreement) -> Period | None:
    """The period a URL key names under the plan's rule, or None when the key is malformed
    (callers fall back to the whole plan). ``None`` or ``""`` or ``plan`` → the whole plan."""
    rule = plan.period_rule
    if not key or key == "plan":
        return period_for(PLAN, rule=rule, plan_span=plan_months(plan))
    match = _KEY.match(key.strip())
    if not match:
        return None
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        return None
    if match["month"]:
        number = int(match["month"])
        if not 1 <= number <= 12:
            return None
        return period_for(MONTH, year=year, number=number, rule=rule)
    if match["q"]:
        return period_for(QUARTER, year=year, number=int(match["q"]), rule=rule)
    if match["h"]:
        return period_for(HALF, year=year, number=int(match["h"]), rule=rule)
    return period_for(YEAR, year=year, rule=rule)


def period_choices(*, plan: Agreement) -> list[Period]:
    """Every period of the plan a filter offers: whole plan, years, halves, quarters, months."""
    rule = plan.period_rule
    span = plan_months(plan)
    months = months_between(*span)
    years = sorted({m.year for m in months})
    choices = [period_for(PLAN, rule=rule, plan_span=span)]
    choices += [period_for(YEAR, year=y, rule=rule) for y in years]
    for kind, size, count in ((HALF, 6, 2), (QUARTER, 3, 4)):
        for year in years:
            for number in range(1, count + 1):
                first = dt.date(year, size * (number - 1) + 1, 1)
                if first <= span[1] and add_months(first, size - 1) >= span[0]:
                    choices.append(period_for(kind, year=year, number=number, rule=rule))
    choices += [period_for(MONTH, year=m.year, number=m.month, rule=rule) for m in months]
    return choices
