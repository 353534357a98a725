"""The reporting calendar: the one place that knows months, periods, deadlines and whether a
month is on time, late, missing or not due yet.

Everything that compares dates asks this module, so the entry form, the import, the month
list, the late-unit list, the dashboards, the grid and the PDFs cannot disagree. Dates are
compared in the portal's time zone (Asia/Ho_Chi_Minh): a report sent at 00:30 local time on
the day after its deadline is late everywhere, although it is still the deadline day in UTC.

A report month is stored as the first day of the month it is labelled with. Under a plan's
``period_rule``:

- ``calendar``: month M covers 1/M to its last day;
- ``decree09`` (Decree 09/2019/NĐ-CP, art. 12): month M covers the 15th of M-1 to the 14th of
  M; a quarter runs from the 15th of the month before it to the 14th of its last month, a
  half-year 15/12–14/6 and 15/6–14/12, a year 15/12–14/12.

Both rules group the *same* report months into quarters, halves and years (Q1 is always the
reports labelled 01, 02, 03); they differ in the dates printed for a period and in which month
is in progress on a given day (on 20/03 the Decree 09 month in progress is April's, and its
figures can be entered).

A period key travels in URLs: ``2024-03`` (month), ``2024-Q1`` (quarter), ``2024-H1`` (six
months), ``2024`` (year), ``plan`` (the whole plan). :func:`parse_key` is the only parser.

This module sits below the apps: it reads the few attributes it needs from a plan or
sub-agreement (``start_date``, ``end_date``, ``period_rule``, ``submission_deadline_day``, the
deadline settings ``grace_days``, ``late_entry_needs_approval``, ``reopen_window_days``,
``reminder_days_before``, ``status`` and ``parent``) and imports no app.

Deadline settings of a plan (sub-agreements follow their plan's):

- the **deadline** (:func:`deadline`): the plan's day of the month after the report month; a
  report submitted on a later local day is late;
- the **grace period** (``grace_days``): the entry form stays open that many days after the
  deadline without anyone's approval (the month is still late); :func:`entry_closes`;
- **late entry needs approval** (``late_entry_needs_approval``): after the grace period the
  district can enter the month only once provincial staff grant it (:func:`needs_late_grant`);
  without it, late months stay open;
- the **reopen window** (``reopen_window_days``): provincial staff may reopen an approved
  month until that many days after its approval; later only the admin role may
  (:func:`reopen_window_ends`);
- the **reminder** (``reminder_days_before``): officers are reminded that many days before the
  deadline (:func:`reminder_day`), and told the day after it that it was missed
  (:func:`missed_notice_day`).
"""

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CALENDAR = "calendar"
DECREE_09 = "decree09"
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

# Month states, the same in the month list, the late-unit list, the grid and the PDFs.
ON_TIME, LATE, RETURNED, MISSING, NOT_DUE, OUTSIDE = (
    "on_time",
    "late",
    "returned",
    "missing",
    "not_due",
    "outside",
)
STATE_LABELS = {
    ON_TIME: gettext_lazy("On time"),
    LATE: gettext_lazy("Late"),
    RETURNED: gettext_lazy("Returned"),
    MISSING: gettext_lazy("Missing"),
    NOT_DUE: gettext_lazy("Not due"),
    OUTSIDE: gettext_lazy("Outside the agreement"),
}
# States of a month that was due: completeness and timeliness count these.
DUE_STATES = (ON_TIME, LATE, RETURNED, MISSING)
DONE_STATUSES = ("submitted", "approved")


class Plan(Protocol):
    """What the calendar reads of a plan or sub-agreement (agreements.models.Agreement)."""

    start_date: dt.date
    end_date: dt.date
    period_rule: str
    submission_deadline_day: int
    grace_days: int
    late_entry_needs_approval: bool
    reopen_window_days: int
    reminder_days_before: int
    status: str
    parent: "Plan | None"


# --- Days and months -------------------------------------------------------------------------


def today() -> dt.date:
    """Today in the portal's time zone."""
    return timezone.localdate()


def local_date(moment: dt.datetime) -> dt.date:
    """The local calendar day of a stored (UTC) moment."""
    return timezone.localdate(moment)


@functools.lru_cache(maxsize=1024)
def _day_ends(day: dt.date, zone_name: str) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(zone_name)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def on_or_before(moment: dt.datetime, day: dt.date) -> bool:
    """``local_date(moment) <= day``, by comparing with the local midnight that ends
    ``day`` (computed once per day and zone): a grid asks this for every submitted month,
    and converting each moment to a local date was most of its cost (issue 15)."""
    return moment < _day_ends(day, timezone.get_current_timezone_name())


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


# --- A plan's rule ---------------------------------------------------------------------------


def _plan_of(agreement: Plan) -> Plan:
    return agreement.parent or agreement


def rule_of(agreement: Plan) -> str:
    """The period rule of a plan; a sub-agreement follows its plan's."""
    return _plan_of(agreement).period_rule


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


def last_closed_month(on: dt.date, rule: str) -> dt.date:
    """The latest report month whose period has ended by ``on``."""
    return add_months(report_month_of(on, rule), -1)


def current_report_month(agreement: Plan, *, on: dt.date | None = None) -> dt.date:
    """The report month in progress on ``on`` (today) under the agreement's plan: the latest
    month figures may be entered for."""
    return report_month_of(on or today(), rule_of(agreement))


def agreement_months(agreement: Plan) -> tuple[dt.date, dt.date]:
    """First and last report month of a plan or sub-agreement: the months its start and end
    dates fall in, whatever the rule (a report month is a label; the rule moves its dates)."""
    return month_start(agreement.start_date), month_start(agreement.end_date)


def in_agreement(agreement: Plan, month: dt.date) -> bool:
    first, last = agreement_months(agreement)
    return first <= month <= last


def reporting_months(agreement: Plan, *, on: dt.date | None = None) -> list[dt.date]:
    """Months a sub-agreement reports up to ``on``: from its first month to its last, not
    past the month in progress."""
    first, last = agreement_months(agreement)
    return months_between(first, min(last, current_report_month(agreement, on=on)))


def deadline(agreement: Plan, month: dt.date) -> dt.date:
    """The last day a month's report is on time: the plan's deadline day of the month after
    the report month."""
    return add_months(month, 1).replace(day=_plan_of(agreement).submission_deadline_day)


def entry_closes(agreement: Plan, month: dt.date) -> dt.date:
    """The last day the district may enter a month without a grant: the deadline plus the
    plan's grace period."""
    return deadline(agreement, month) + dt.timedelta(days=_plan_of(agreement).grace_days)


def needs_late_grant(agreement: Plan, month: dt.date, *, on: dt.date | None = None) -> bool:
    """Whether entering this month now needs provincial staff's grant: the plan asks for
    approval of late entry and the grace period is over."""
    plan = _plan_of(agreement)
    return bool(plan.late_entry_needs_approval) and (on or today()) > entry_closes(agreement, month)


def reopen_window_ends(agreement: Plan, approved_on: dt.date) -> dt.date:
    """The last day provincial staff may reopen a month approved on ``approved_on``."""
    return approved_on + dt.timedelta(days=_plan_of(agreement).reopen_window_days)


def reminder_day(agreement: Plan, month: dt.date) -> dt.date | None:
    """The day officers are reminded of the month's deadline (None: the plan sends none)."""
    days = _plan_of(agreement).reminder_days_before
    if not days:
        return None
    return deadline(agreement, month) - dt.timedelta(days=days)


def missed_notice_day(agreement: Plan, month: dt.date) -> dt.date:
    """The day a month not submitted is reported missed: the day after its deadline."""
    return deadline(agreement, month) + dt.timedelta(days=1)


CLOSED = "closed"


def is_closed(agreement: Plan) -> bool:
    """A closed plan (or sub-agreement) takes no more figures. The plan's lifecycle may set
    the status; the calendar only reads it."""
    return getattr(agreement, "status", None) == CLOSED or (
        getattr(_plan_of(agreement), "status", None) == CLOSED
    )


def is_future(agreement: Plan, month: dt.date, *, on: dt.date | None = None) -> bool:
    """A month after the one in progress: nothing can be entered for it yet."""
    return month > current_report_month(agreement, on=on)


def month_state(
    *,
    agreement: Plan,
    month: dt.date,
    status: str | None,
    submitted_at: dt.datetime | None,
    on: dt.date | None = None,
    due: dt.date | None = None,
) -> str:
    """One month of one sub-agreement: on time, late, returned, missing, not due (before its
    deadline) or outside the agreement. ``status`` and ``submitted_at`` are its report's
    (None when there is none). Late means submitted on a local day after the deadline.
    ``due``: the month's deadline when the caller has it already (a grid of many cells)."""
    if not in_agreement(agreement, month):
        return OUTSIDE
    due = due or deadline(agreement, month)
    if status in DONE_STATUSES:
        if submitted_at is None or on_or_before(submitted_at, due):
            return ON_TIME
        return LATE
    if status == "returned":
        return RETURNED
    if (on or today()) > due:
        return MISSING
    return NOT_DUE


def is_overdue(state: str) -> bool:
    """Past the deadline and not submitted: what the late-unit list counts."""
    return state == MISSING


def is_flagged_late(state: str, *, due: dt.date, on: dt.date) -> bool:
    """The late flag of a month waiting for someone (the review inbox): submitted after its
    deadline, still missing after it, or returned and not back by it."""
    return state in (LATE, MISSING) or (state == RETURNED and on > due)


# --- Periods ---------------------------------------------------------------------------------


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


# ASCII digits only: "²" or Arabic-Indic digits are \d to Python's re but not to int().
_KEY = re.compile(
    r"^(?P<year>[0-9]{4})(?:-(?:(?P<month>[0-9]{2})|[Qq](?P<q>[1-4])|[Hh](?P<h>[12])))?$"
)
_MIN_YEAR, _MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Key:
    """A parsed period key: its kind and, except for the whole plan, year and number."""

    kind: str
    year: int | None = None
    number: int = 1


def parse_key(text: str | None) -> Key | None:
    """``2024-03`` / ``2024-Q1`` / ``2024-H1`` / ``2024`` / ``plan`` → Key; None when the
    text is none of these (or names a month or year no plan can have)."""
    text = (text or "").strip()
    if text.lower() == "plan":
        return Key(PLAN)
    match = _KEY.match(text)
    if not match:
        return None
    year = int(match["year"])
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    if match["month"]:
        number = int(match["month"])
        return Key(MONTH, year, number) if 1 <= number <= 12 else None
    if match["q"]:
        return Key(QUARTER, year, int(match["q"]))
    if match["h"]:
        return Key(HALF, year, int(match["h"]))
    return Key(YEAR, year)


def parse_month_key(text: str | None) -> dt.date | None:
    """``2024-03`` → 1 March 2024; any other text (a quarter included) → None."""
    key = parse_key(text)
    if key is None or key.kind != MONTH:
        return None
    return dt.date(key.year, key.number, 1)


def period_parse(text: str | None, *, plan: Plan) -> Period | None:
    """The period a key names under the plan's rule, or None when the key is malformed.
    ``None``, ``""`` and ``plan`` name the whole plan."""
    rule = rule_of(plan)
    if not (text or "").strip():
        return period_for(PLAN, rule=rule, plan_span=agreement_months(plan))
    key = parse_key(text)
    if key is None:
        return None
    if key.kind == PLAN:
        return period_for(PLAN, rule=rule, plan_span=agreement_months(plan))
    return period_for(key.kind, year=key.year, number=key.number, rule=rule)


def period_choices(*, plan: Plan) -> list[Period]:
    """Every period of the plan a filter offers: whole plan, years, halves, quarters, months."""
    rule = rule_of(plan)
    span = agreement_months(plan)
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
