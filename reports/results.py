"""What the progress selectors return: frozen dataclasses that a dashboard, a PDF, an export
and the API all read, and the status rule (on track, at risk, behind)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from activities.models import MonthlyReport
from agreements.models import Agreement, Indicator, Task
from core import calendar
from core.calendar import LATE, MISSING, ON_TIME, RETURNED, Period

# How the district table groups units: each unit, or one line per former district.
BY_UNIT, BY_FORMER_DISTRICT = "unit", "former"
ON_TRACK, AT_RISK, BEHIND, NO_TARGET = "on_track", "at_risk", "behind", "no_target"
STATUS_LABELS = {
    ON_TRACK: _("On track"),
    AT_RISK: _("At risk"),
    BEHIND: _("Behind"),
    NO_TARGET: _("No target"),
}
STATUS_ORDER = {BEHIND: 0, AT_RISK: 1, ON_TRACK: 2, NO_TARGET: 3}
ON_TRACK_AT = Decimal(1)
AT_RISK_AT = Decimal("0.8")

# The calendar's month states, in the legend's order.
CELL_LABELS = calendar.STATE_LABELS
HUNDRED = Decimal(100)


def progress_status(achieved: Decimal | None, expected: Decimal | None) -> str:
    """On track at ≥ 100 % of the expected value, at risk at ≥ 80 %, behind below; no status
    without a positive expectation. No figure at all counts as zero."""
    if expected is None or expected <= 0:
        return NO_TARGET
    share = (achieved or Decimal(0)) / expected
    if share >= ON_TRACK_AT:
        return ON_TRACK
    if share >= AT_RISK_AT:
        return AT_RISK
    return BEHIND


def percent_of(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part / whole * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)


def ratio_percent(numerator: int | None, denominator: int | None) -> Decimal | None:
    """A ratio indicator's rate from summed parts, to two decimals; a zero (or missing)
    denominator has no rate, not 0 %. Never an average of rates."""
    if not denominator:
        return None
    return (Decimal(numerator or 0) / Decimal(denominator) * HUNDRED).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def relative_change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Relative change in percent; None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return ((now - before) / before * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- Data returned ------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    """One indicator for one scope (the province, or one district) over one period.

    ``target_period`` is what the period should reach by its end: for flows the share of the
    target phased into its months (the whole target for the whole plan), for levels the
    baseline-to-target line at the period's end. ``expected`` is the same at the last closed
    month (today, or the period's end if earlier). Ratios are percentages; ``numerator`` and
    ``denominator`` carry the sums they come from."""

    indicator: Indicator
    baseline: Decimal | None
    target_plan: Decimal | None
    target_year: Decimal | None
    target_period: Decimal | None
    expected: Decimal | None
    achieved: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    provisional: bool = False
    district_target_sum: Decimal | None = None

    @property
    def percent(self) -> Decimal | None:
        """Achieved as a percentage of the period's target."""
        return percent_of(self.achieved, self.target_period)

    @property
    def percent_of_expected(self) -> Decimal | None:
        return percent_of(self.achieved or Decimal(0), self.expected)

    @property
    def status(self) -> str:
        return progress_status(self.achieved, self.expected)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def target(self) -> Decimal | None:
        """The whole-plan target (kept for callers of the first version)."""
        return self.target_plan

    @property
    def target_mismatch(self) -> bool:
        """The provincial target differs from the sum of the district targets."""
        return (
            self.district_target_sum is not None
            and self.target_plan is not None
            and self.district_target_sum != self.target_plan
        )


@dataclass(frozen=True)
class TaskProgress:
    task: Task
    rows: tuple[IndicatorProgress, ...]


@dataclass(frozen=True)
class ProgressReport:
    plan: Agreement
    period: Period
    district: Agreement | None
    as_of: dt.date
    last_closed_month: dt.date
    # The last month the figures can cover (the period's end, or the last closed month) and
    # the year whose target ``target_year`` is.
    figures_to: dt.date
    target_year: int
    months_in_plan: int
    months_elapsed: int
    include_provisional: bool
    tasks: tuple[TaskProgress, ...]

    @property
    def rows(self) -> list[IndicatorProgress]:
        return [row for task in self.tasks for row in task.rows]

    @property
    def status_counts(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status: counts.get(status, 0) for status in STATUS_LABELS}

    @property
    def has_provisional(self) -> bool:
        return any(row.provisional for row in self.rows)


@dataclass(frozen=True)
class DistrictRow:
    sub_agreement: Agreement  # the unit's, or for a former district the district's own
    cells: tuple[IndicatorProgress, ...]
    completeness: Decimal | None
    timeliness: Decimal | None
    # For a former district: every sub-agreement of the line (the district and its communes).
    members: tuple[Agreement, ...] = ()

    @property
    def status(self) -> str:
        """Behind when half or more of the indicators shown (with a target) are behind; at
        risk when any is behind or at risk; on track when all are on track."""
        statuses = [cell.status for cell in self.cells if cell.status != NO_TARGET]
        if not statuses:
            return NO_TARGET
        behind = statuses.count(BEHIND)
        if behind * 2 >= len(statuses):
            return BEHIND
        if behind or AT_RISK in statuses:
            return AT_RISK
        return ON_TRACK

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class DistrictComparison:
    period: Period
    as_of: dt.date
    include_provisional: bool
    indicators: tuple[Indicator, ...]
    rows: tuple[DistrictRow, ...]
    sort: str
    grouping: str = "unit"


@dataclass(frozen=True)
class GridCell:
    month: dt.date
    state: str
    report_id: int | None = None
    report_status: str | None = None
    deadline: dt.date | None = None

    @property
    def label(self) -> str:
        return str(CELL_LABELS[self.state])


@dataclass(frozen=True)
class GridRow:
    sub_agreement: Agreement
    cells: tuple[GridCell, ...]
    counts: dict[str, int]

    @property
    def due(self) -> int:
        return sum(self.counts[s] for s in (ON_TIME, LATE, RETURNED, MISSING))

    @property
    def completeness(self) -> Decimal | None:
        """Months submitted (on time or late) / months due."""
        return percent_of(Decimal(self.counts[ON_TIME] + self.counts[LATE]), Decimal(self.due))

    @property
    def timeliness(self) -> Decimal | None:
        """Months submitted by the deadline / months due."""
        return percent_of(Decimal(self.counts[ON_TIME]), Decimal(self.due))


@dataclass(frozen=True)
class CompletenessGrid:
    period: Period
    as_of: dt.date
    months: tuple[dt.date, ...]
    rows: tuple[GridRow, ...]

    @property
    def counts(self) -> dict[str, int]:
        total: Counter = Counter()
        for row in self.rows:
            total.update(row.counts)
        return {state: total.get(state, 0) for state in CELL_LABELS}

    @property
    def due(self) -> int:
        return sum(row.due for row in self.rows)

    @property
    def completeness(self) -> Decimal | None:
        counts = self.counts
        return percent_of(Decimal(counts[ON_TIME] + counts[LATE]), Decimal(self.due))

    @property
    def timeliness(self) -> Decimal | None:
        return percent_of(Decimal(self.counts[ON_TIME]), Decimal(self.due))


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    value: Decimal | None
    target: Decimal | None
    month_on_month: Decimal | None
    year_on_year: Decimal | None
    provisional: bool = False


@dataclass(frozen=True)
class Trend:
    indicator: Indicator
    period: Period
    district: Agreement | None
    include_provisional: bool
    points: tuple[TrendPoint, ...]

    @property
    def latest(self) -> TrendPoint | None:
        with_value = [p for p in self.points if p.value is not None]
        return with_value[-1] if with_value else None


@dataclass(frozen=True)
class DueMonth:
    month: dt.date
    deadline: dt.date
    state: str
    report: MonthlyReport | None


@dataclass(frozen=True)
class DistrictDue:
    """What a district still owes (months due and not submitted) and what was returned."""

    due: tuple[DueMonth, ...]
    returned: tuple[MonthlyReport, ...]


@dataclass(frozen=True)
class Achieved:
    """What the approved (and, if asked, submitted) figures add up to for one indicator."""

    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    provisional: bool = False
