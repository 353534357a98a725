"""How far the plan has come. Dashboards, PDFs and exports all read through here, so they
cannot disagree.

Rules every function follows (see reports/API.md):

- Official figures count *approved* months only. ``include_provisional=True`` adds submitted
  (not yet approved) months and marks every figure they touched (``provisional=True``).
  Draft and returned months never count.
- Aggregation follows the indicator: ``sum`` (flows) adds months and units; ``latest`` (stocks)
  takes each unit's latest value inside the period, then adds units (so a stock that went down
  counts at its lower level); ``ratio`` divides the sum of numerators by the sum of
  denominators (never an average of percentages; a zero denominator gives no value).
- Expected at a date: flows pro rata over the months of the plan that have closed (by the
  yearly targets when every year has one, else by months elapsed / months in the plan);
  levels (stocks and ratios) move in a straight line from the baseline to the target.
  A unit's "months in the plan" are its sub-agreement's report months, so a unit that ended
  early (2024–2025 reforms) is not expected to report after its end.
- Status: on track ≥ 100 % of expected, at risk ≥ 80 %, behind below that.
- Scope is an argument; a district outside the user's scope raises Http404.
- Each function runs a fixed number of queries whatever the number of districts, months or
  indicators; aggregation happens in the database (GROUP BY, conditional aggregation).
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agreement, Baseline, Indicator, Target, Task
from agreements.selectors import sub_agreement_list
from core import calendar
from core.calendar import (
    LATE,
    MISSING,
    NOT_DUE,
    ON_TIME,
    OUTSIDE,
    RETURNED,
    Period,
    add_months,
    last_closed_month,
    months_between,
    period_parse,
    report_month_of,
)
from core.scope import UserScope
from core.text import by_unit_name, vietnamese_key

Status = MonthlyReport.Status
Aggregation = Indicator.Aggregation

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


def _percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part / whole * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
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
        return _percent(self.achieved, self.target_period)

    @property
    def percent_of_expected(self) -> Decimal | None:
        return _percent(self.achieved or Decimal(0), self.expected)

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
    sub_agreement: Agreement
    cells: tuple[IndicatorProgress, ...]
    completeness: Decimal | None
    timeliness: Decimal | None

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
        return _percent(Decimal(self.counts[ON_TIME] + self.counts[LATE]), Decimal(self.due))

    @property
    def timeliness(self) -> Decimal | None:
        """Months submitted by the deadline / months due."""
        return _percent(Decimal(self.counts[ON_TIME]), Decimal(self.due))


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
        return _percent(Decimal(counts[ON_TIME] + counts[LATE]), Decimal(self.due))

    @property
    def timeliness(self) -> Decimal | None:
        return _percent(Decimal(self.counts[ON_TIME]), Decimal(self.due))


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


# --- Scope ---------------------------------------------------------------------------------


def district_get(*, plan: Agreement, pk: int, scope: UserScope) -> Agreement:
    """A district sub-agreement of the plan, or 404 outside the user's scope."""
    district = sub_agreement_list(scope=scope).filter(parent=plan, pk=pk).first()
    if district is None:
        raise Http404
    return district


def _sub_agreements(
    *, plan: Agreement, scope: UserScope, district: Agreement | None
) -> list[Agreement]:
    queryset = sub_agreement_list(scope=scope).filter(parent=plan)
    if district is not None:
        queryset = queryset.filter(pk=district.pk)
    subs = by_unit_name(queryset)
    if district is not None and not subs:
        raise Http404
    return subs


def _indicators(*, plan: Agreement, task: Task | None, codes: Sequence[str] = ()) -> list:
    queryset = Indicator.objects.filter(plan=plan).select_related("task")
    if task is not None:
        queryset = queryset.filter(task=task)
    if codes:
        queryset = queryset.filter(code__in=codes)
    return list(queryset.order_by("task__order", "order", "code"))


def _active_months(agreement: Agreement) -> list[dt.date]:
    first, last = calendar.agreement_months(agreement)
    return months_between(first, last)


def _counted(include_provisional: bool) -> list[str]:
    return [Status.APPROVED, Status.SUBMITTED] if include_provisional else [Status.APPROVED]


def _values(
    *, subs: list[Agreement], months: Sequence[dt.date], include_provisional: bool
) -> QuerySet[ActivityValue]:
    return ActivityValue.objects.filter(
        report__sub_agreement__in=[s.pk for s in subs],
        report__month__gte=min(months),
        report__month__lte=max(months),
        report__status__in=_counted(include_provisional),
    )


@dataclass(frozen=True)
class _Achieved:
    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    provisional: bool = False


def _achieved(
    values: QuerySet[ActivityValue], *, by_district: bool
) -> dict[tuple[int, int | None], _Achieved]:
    """Achieved per indicator (and per sub-agreement when ``by_district``): two GROUP BY
    queries, one for flows and ratios, one for stocks."""
    keys = ["indicator_id", "report__sub_agreement_id"] if by_district else ["indicator_id"]
    submitted = Q(report__status=Status.SUBMITTED)
    both_parts = Q(numerator__isnull=False, denominator__isnull=False)
    result: dict[tuple[int, int | None], _Achieved] = {}
    flows = (
        values.filter(indicator__aggregation__in=[Aggregation.SUM, Aggregation.RATIO])
        .values(*keys, "indicator__aggregation")
        .annotate(
            total=Sum("value"),
            numerator_sum=Sum("numerator", filter=both_parts),
            denominator_sum=Sum("denominator", filter=both_parts),
            provisional=Count("id", filter=submitted),
        )
        .order_by()
    )
    for row in flows:
        key = (row["indicator_id"], row.get("report__sub_agreement_id"))
        if row["indicator__aggregation"] == Aggregation.RATIO:
            numerator, denominator = row["numerator_sum"], row["denominator_sum"]
            value = None
            if denominator:  # a zero denominator has no rate, not 0 %
                value = (Decimal(numerator) / Decimal(denominator) * HUNDRED).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
            result[key] = _Achieved(value, numerator, denominator, row["provisional"] > 0)
        elif row["total"] is not None:
            result[key] = _Achieved(Decimal(row["total"]), provisional=row["provisional"] > 0)
    # Stocks: each unit's value in its latest counted month of the window, then summed. A
    # window function picks that month in the database and returns one row per unit and
    # stock indicator (never one per month); a correlated "latest month" subquery instead
    # grew with units × months squared.
    latest = (
        values.filter(indicator__aggregation=Aggregation.LATEST, value__isnull=False)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F("report__sub_agreement_id")],
                order_by=F("report__month").desc(),
            )
        )
        .filter(recency=1)
        .values_list("indicator_id", "report__sub_agreement_id", "value", "report__status")
    )
    stock_totals: dict[tuple[int, int | None], list] = {}
    for indicator_id, sub_id, value, status in latest:
        key = (indicator_id, sub_id if by_district else None)
        total = stock_totals.setdefault(key, [0, False])
        total[0] += value
        total[1] = total[1] or status == Status.SUBMITTED
    for key, (total, provisional) in stock_totals.items():
        result[key] = _Achieved(Decimal(total), provisional=provisional)
    return result


def _targets(
    agreements: Iterable[Agreement], indicators: list[Indicator]
) -> dict[int, dict[int, dict[int | None, Decimal]]]:
    """agreement id → indicator id → year (None = whole plan) → target. One query."""
    result: dict[int, dict[int, dict[int | None, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for agreement_id, indicator_id, year, value in Target.objects.filter(
        agreement__in=[a.pk for a in agreements], indicator__in=[i.pk for i in indicators]
    ).values_list("agreement_id", "indicator_id", "year", "value"):
        result[agreement_id][indicator_id][year] = value
    return result


def _baselines(
    agreements: Iterable[Agreement], indicators: list[Indicator]
) -> dict[tuple[int, int], Decimal]:
    return {
        (agreement_id, indicator_id): value
        for agreement_id, indicator_id, value in Baseline.objects.filter(
            agreement__in=[a.pk for a in agreements], indicator__in=[i.pk for i in indicators]
        ).values_list("agreement_id", "indicator_id", "value")
    }


@dataclass(frozen=True)
class _Schedule:
    """Targets and expectation for one indicator at one level (province or district)."""

    indicator: Indicator
    targets: dict[int | None, Decimal]
    baseline: Decimal | None
    active: tuple[dt.date, ...]  # the report months of the plan (or district) in order

    def _flow(self, months: Iterable[dt.date]) -> Decimal | None:
        """A flow's target for some months: the whole target when they cover the plan,
        else by the yearly targets' phasing when every year has one, else pro rata."""
        active = set(self.active)
        chosen = [m for m in months if m in active]
        whole = self.targets.get(None)
        if not self.active:
            return None
        if len(chosen) == len(self.active) and whole is not None:
            return whole
        per_year = Counter(m.year for m in self.active)
        if all(year in self.targets for year in per_year):
            return sum(
                (self.targets[m.year] / per_year[m.year] for m in chosen), Decimal(0)
            ).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if whole is None:
            return None
        return (whole * len(chosen) / len(self.active)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def _level(self, month: dt.date) -> Decimal | None:
        """A level's line from the baseline (a ratio without one: the target itself) to the
        target, at the end of ``month``."""
        whole = self.targets.get(None)
        if whole is None or not self.active:
            return None
        start = self.baseline
        if start is None:
            start = whole if self.indicator.is_ratio else Decimal(0)
        done = sum(1 for m in self.active if m <= month)
        return (start + (whole - start) * done / len(self.active)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )

    def for_months(self, months: Sequence[dt.date]) -> Decimal | None:
        """The target for these months (flows) or at the end of the last one (levels)."""
        if self.indicator.aggregation == Aggregation.SUM:
            return self._flow(months)
        if not months:
            return None
        return self._level(max(months))

    def year_target(self, year: int) -> Decimal | None:
        return self.targets.get(year)

    def month_target(self, month: dt.date) -> Decimal | None:
        """The trend's target line: a flow's monthly share, a level's line."""
        if month not in self.active:
            return None
        return self.for_months([month])


def _schedule(
    indicator: Indicator,
    agreement: Agreement,
    active: Sequence[dt.date],
    targets: dict[int, dict[int, dict[int | None, Decimal]]],
    baselines: dict[tuple[int, int], Decimal],
) -> _Schedule:
    return _Schedule(
        indicator=indicator,
        targets=dict(targets.get(agreement.pk, {}).get(indicator.pk, {})),
        baseline=baselines.get((agreement.pk, indicator.pk)),
        active=tuple(active),
    )


def _union_months(subs: Iterable[Agreement]) -> list[dt.date]:
    months: set[dt.date] = set()
    for sub in subs:
        months.update(_active_months(sub))
    return sorted(months)


def _elapsed(period: Period, active: Sequence[dt.date], closed: dt.date) -> list[dt.date]:
    return [m for m in active if period.contains(m) and m <= closed]


def _progress(
    schedule: _Schedule,
    achieved: _Achieved | None,
    period: Period,
    closed: dt.date,
    *,
    district_target_sum: Decimal | None = None,
) -> IndicatorProgress:
    in_period = [m for m in schedule.active if period.contains(m)]
    elapsed = _elapsed(period, schedule.active, closed)
    year = min(closed, period.last_month).year
    achieved = achieved or _Achieved(None)
    return IndicatorProgress(
        indicator=schedule.indicator,
        baseline=schedule.baseline,
        target_plan=schedule.targets.get(None),
        target_year=schedule.year_target(year),
        target_period=schedule.for_months(in_period),
        expected=schedule.for_months(elapsed) if elapsed else None,
        achieved=achieved.value,
        numerator=achieved.numerator,
        denominator=achieved.denominator,
        provisional=achieved.provisional,
        district_target_sum=district_target_sum,
    )


# --- Public selectors ----------------------------------------------------------------------


def province_progress(
    *,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    include_provisional: bool = False,
    task: Task | None = None,
    district: Agreement | None = None,
    today: dt.date | None = None,
) -> ProgressReport:
    """Per indicator, grouped by task: baseline, targets, achieved, percent, expected at the
    last closed month and status, for the whole province or (``district``) one district.
    Six queries."""
    as_of = today or calendar.today()
    closed = last_closed_month(as_of, plan.period_rule)
    indicators = _indicators(plan=plan, task=task)
    subs = _sub_agreements(plan=plan, scope=scope, district=district)
    if district is None and not scope.sees_all:
        # A district user's "province" is their own districts: their targets are the ones
        # that apply, so the figures are those of the districts, summed.
        level_agreements = subs
    else:
        level_agreements = [district] if district is not None else [plan]
    targets = _targets([plan, *subs], indicators)
    baselines = _baselines([plan, *subs], indicators)
    achieved = (
        _achieved(
            _values(subs=subs, months=period.months, include_provisional=include_provisional),
            by_district=False,
        )
        if subs
        else {}
    )
    active = _active_months(district) if district is not None else _union_months(subs or [plan])
    groups: dict[int, list[IndicatorProgress]] = {}
    tasks: dict[int, Task] = {}
    for indicator in indicators:
        if len(level_agreements) == 1:
            schedule = _schedule(indicator, level_agreements[0], active, targets, baselines)
        else:
            schedule = _merged_schedule(indicator, level_agreements, targets, baselines)
        district_sum = None
        if district is None and scope.sees_all and not indicator.is_ratio:
            parts = [targets[s.pk][indicator.pk].get(None) for s in subs if s.pk in targets]
            parts = [p for p in parts if p is not None]
            district_sum = sum(parts, Decimal(0)) if parts else None
        tasks[indicator.task_id] = indicator.task
        groups.setdefault(indicator.task_id, []).append(
            _progress(
                schedule,
                achieved.get((indicator.pk, None)),
                period,
                closed,
                district_target_sum=district_sum,
            )
        )
    return ProgressReport(
        plan=plan,
        period=period,
        district=district,
        as_of=as_of,
        last_closed_month=closed,
        figures_to=min(closed, period.last_month),
        target_year=min(closed, period.last_month).year,
        months_in_plan=len(active),
        months_elapsed=len(_elapsed(period, active, closed)),
        include_provisional=include_provisional,
        tasks=tuple(
            TaskProgress(task=tasks[task_id], rows=tuple(rows)) for task_id, rows in groups.items()
        ),
    )


def _merged_schedule(
    indicator: Indicator,
    agreements: list[Agreement],
    targets: dict[int, dict[int, dict[int | None, Decimal]]],
    baselines: dict[tuple[int, int], Decimal],
) -> _Schedule:
    """Several districts as one level (a user with more than one district): targets add up
    for flows and stocks; a ratio keeps the first district's rate."""
    merged: dict[int | None, Decimal] = {}
    for agreement in agreements:
        for year, value in targets.get(agreement.pk, {}).get(indicator.pk, {}).items():
            if indicator.is_ratio:
                merged.setdefault(year, value)
            else:
                merged[year] = merged.get(year, Decimal(0)) + value
    return _Schedule(
        indicator=indicator,
        targets=merged,
        baseline=None,
        active=tuple(_union_months(agreements)),
    )


def district_comparison(
    *,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    include_provisional: bool = False,
    task: Task | None = None,
    indicator_codes: Sequence[str] = (),
    sort: str = "name",
    today: dt.date | None = None,
    grid: "CompletenessGrid | None" = None,
) -> DistrictComparison:
    """Districts × key indicators: achieved, target, expected and status per district against
    the district's own targets, with completeness and timeliness. Key indicators are the
    ``indicator_codes`` given, else every indicator of ``task``, else the first of each task.
    ``sort``: ``name``, ``status``, ``completeness``, ``timeliness`` or an indicator code
    (by percent of expected); a leading ``-`` reverses. Pass the page's ``grid`` (same
    period and scope) to reuse its completeness rates. Seven queries (six with ``grid``)."""
    as_of = today or calendar.today()
    closed = last_closed_month(as_of, plan.period_rule)
    indicators = _indicators(plan=plan, task=task, codes=indicator_codes)
    if not indicator_codes and task is None:
        firsts: dict[int, Indicator] = {}
        for indicator in indicators:
            firsts.setdefault(indicator.task_id, indicator)
        indicators = list(firsts.values())
    subs = _sub_agreements(plan=plan, scope=scope, district=None)
    targets = _targets(subs, indicators)
    baselines = _baselines(subs, indicators)
    achieved = (
        _achieved(
            _values(subs=subs, months=period.months, include_provisional=include_provisional),
            by_district=True,
        )
        if subs
        else {}
    )
    if grid is not None and grid.period == period:
        by_sub = {row.sub_agreement.pk: row for row in grid.rows}
        grid_rows = [by_sub.get(sub.pk) for sub in subs]
    else:
        grid_rows = _grid_rows(subs=subs, period=period, as_of=as_of)
    rows = []
    for sub, grid_row in zip(subs, grid_rows, strict=True):
        active = _active_months(sub)
        cells = tuple(
            _progress(
                _schedule(indicator, sub, active, targets, baselines),
                achieved.get((indicator.pk, sub.pk)),
                period,
                closed,
            )
            for indicator in indicators
        )
        rows.append(
            DistrictRow(
                sub_agreement=sub,
                cells=cells,
                completeness=grid_row.completeness if grid_row else None,
                timeliness=grid_row.timeliness if grid_row else None,
            )
        )
    return DistrictComparison(
        period=period,
        as_of=as_of,
        include_provisional=include_provisional,
        indicators=tuple(indicators),
        rows=tuple(_sort_rows(rows, sort, indicators)),
        sort=sort,
    )


def _sort_rows(rows: list[DistrictRow], sort: str, indicators: list[Indicator]) -> list:
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    codes = [i.code for i in indicators]
    missing = Decimal("-1e18")

    def key(row: DistrictRow):
        name = vietnamese_key(row.sub_agreement.org_unit.name)
        if field == "status":
            return (STATUS_ORDER[row.status], name)
        if field in ("completeness", "timeliness"):
            value = getattr(row, field)
            return (value if value is not None else missing, name)
        if field in codes:
            value = row.cells[codes.index(field)].percent_of_expected
            return (value if value is not None else missing, name)
        return (name,)

    return sorted(rows, key=key, reverse=descending)


def _cell(sub: Agreement, month: dt.date, report: dict | None, as_of: dt.date) -> GridCell:
    state = calendar.month_state(
        agreement=sub,
        month=month,
        status=report["status"] if report else None,
        submitted_at=report["submitted_at"] if report else None,
        on=as_of,
    )
    if state == OUTSIDE:
        return GridCell(month=month, state=state)
    return GridCell(
        month=month,
        state=state,
        report_id=report["id"] if report else None,
        report_status=report["status"] if report else None,
        deadline=calendar.deadline(sub, month),
    )


def _grid_rows(*, subs: list[Agreement], period: Period, as_of: dt.date) -> list[GridRow]:
    """One query: every report of these districts in the period."""
    months = [m for m in period.months if m <= report_month_of(as_of, period.rule)]
    reports = {}
    if subs and months:
        for row in MonthlyReport.objects.filter(
            sub_agreement__in=[s.pk for s in subs],
            month__gte=months[0],
            month__lte=months[-1],
        ).values("id", "sub_agreement_id", "month", "status", "submitted_at"):
            reports[(row["sub_agreement_id"], row["month"])] = row
    rows = []
    for sub in subs:
        cells = tuple(_cell(sub, m, reports.get((sub.pk, m)), as_of) for m in months)
        counts = Counter(cell.state for cell in cells)
        rows.append(
            GridRow(
                sub_agreement=sub,
                cells=cells,
                counts={state: counts.get(state, 0) for state in CELL_LABELS},
            )
        )
    return rows


def completeness_grid(
    *,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    district: Agreement | None = None,
    today: dt.date | None = None,
) -> CompletenessGrid:
    """District × month: submitted on time, late, returned, missing, or not due (before the
    deadline, or outside the sub-agreement's months, e.g. after a unit was dissolved), with
    completeness and timeliness rates that therefore never exceed 100 %. Months after the
    current one are left out. Two queries."""
    as_of = today or calendar.today()
    subs = _sub_agreements(plan=plan, scope=scope, district=district)
    rows = _grid_rows(subs=subs, period=period, as_of=as_of)
    months = tuple(m for m in period.months if m <= report_month_of(as_of, period.rule))
    return CompletenessGrid(period=period, as_of=as_of, months=months, rows=tuple(rows))


def indicator_trend(
    *,
    plan: Agreement,
    indicator: Indicator,
    period: Period,
    scope: UserScope,
    district: Agreement | None = None,
    include_provisional: bool = False,
    today: dt.date | None = None,
) -> Trend:
    """The indicator month by month in the period (flows: the month's sum; stocks: each
    unit's latest value so far, summed; ratios: the month's sums divided), with the target
    line, month-on-month and year-on-year change. Five queries."""
    return indicator_trends(
        plan=plan,
        indicators=[indicator],
        period=period,
        scope=scope,
        district=district,
        include_provisional=include_provisional,
        today=today,
    )[0]


def indicator_trends(
    *,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    indicators: Sequence[Indicator] | None = None,
    task: Task | None = None,
    district: Agreement | None = None,
    include_provisional: bool = False,
    today: dt.date | None = None,
) -> tuple[Trend, ...]:
    """``indicator_trend`` for several indicators at once (``indicators``, else those of
    ``task``, else all), in the plan's order. At most six queries whatever their number."""
    as_of = today or calendar.today()
    if indicators is None:
        indicators = _indicators(plan=plan, task=task)
    indicators = list(indicators)
    subs = _sub_agreements(plan=plan, scope=scope, district=district)
    level = district if district is not None else plan
    active = _active_months(district) if district is not None else _union_months(subs or [plan])
    merged = district is None and not scope.sees_all
    targets = _targets(subs if merged else [level], indicators)
    baselines = {} if merged else _baselines([level], indicators)
    # Months of the period from the plan's first report month to the current one (a trend
    # does not run on past the last unit's end or into the future).
    current = report_month_of(as_of, plan.period_rule)
    months = [
        m for m in period.months if m <= current and (not active or active[0] <= m <= active[-1])
    ]
    # One year earlier for year-on-year change; stocks also need every earlier month, since a
    # unit's level carries forward until it reports again.
    first = add_months(months[0], -12) if months else period.first_month
    if active:
        first = min(first, active[0])
    series: dict[int, dict[dt.date, Decimal | None]] = defaultdict(dict)
    provisional: dict[int, set[dt.date]] = defaultdict(set)
    if subs and months and indicators:
        values = ActivityValue.objects.filter(
            indicator__in=[i.pk for i in indicators],
            report__sub_agreement__in=[s.pk for s in subs],
            report__month__gte=first,
            report__month__lte=months[-1],
            report__status__in=_counted(include_provisional),
        )
        kinds = {i.aggregation for i in indicators}
        if kinds - {Aggregation.LATEST}:
            _flow_series(values, series, provisional)
        if Aggregation.LATEST in kinds:
            _stock_series(values, first, months[-1], series, provisional)
    result = []
    for indicator in indicators:
        if merged:
            schedule = _merged_schedule(indicator, subs, targets, {})
        else:
            schedule = _schedule(indicator, level, active, targets, baselines)
        values_by_month = series[indicator.pk]
        result.append(
            Trend(
                indicator=indicator,
                period=period,
                district=district,
                include_provisional=include_provisional,
                points=tuple(
                    TrendPoint(
                        month=month,
                        value=values_by_month.get(month),
                        target=schedule.month_target(month),
                        month_on_month=_change(
                            values_by_month.get(month), values_by_month.get(add_months(month, -1))
                        ),
                        year_on_year=_change(
                            values_by_month.get(month), values_by_month.get(add_months(month, -12))
                        ),
                        provisional=month in provisional[indicator.pk],
                    )
                    for month in months
                ),
            )
        )
    return tuple(result)


def _flow_series(
    values: QuerySet[ActivityValue],
    series: dict[int, dict[dt.date, Decimal | None]],
    provisional: dict[int, set[dt.date]],
) -> None:
    """Flows and ratios by indicator and month: one GROUP BY query."""
    both = Q(numerator__isnull=False, denominator__isnull=False)
    for row in (
        values.filter(indicator__aggregation__in=[Aggregation.SUM, Aggregation.RATIO])
        .values("indicator_id", "indicator__aggregation", "report__month")
        .annotate(
            total=Sum("value"),
            numerator_sum=Sum("numerator", filter=both),
            denominator_sum=Sum("denominator", filter=both),
            provisional=Count("id", filter=Q(report__status=Status.SUBMITTED)),
        )
        .order_by()
    ):
        indicator_id, month = row["indicator_id"], row["report__month"]
        if row["indicator__aggregation"] == Aggregation.RATIO:
            denominator = row["denominator_sum"]
            series[indicator_id][month] = (
                (Decimal(row["numerator_sum"]) / Decimal(denominator) * HUNDRED).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
                if denominator
                else None
            )
        else:
            total = row["total"]
            series[indicator_id][month] = Decimal(total) if total is not None else None
        if row["provisional"]:
            provisional[indicator_id].add(month)


def _stock_series(
    values: QuerySet[ActivityValue],
    first: dt.date,
    last: dt.date,
    series: dict[int, dict[dt.date, Decimal | None]],
    provisional: dict[int, set[dt.date]],
) -> None:
    """A stock's level each month: every unit's latest value so far, summed. One query of
    stock indicators × units × months rows (no portable aggregate carries a level forward)."""
    by_unit: dict[int, dict[int, dict[dt.date, tuple[int, bool]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for indicator_id, sub_id, month, value, status in values.filter(
        indicator__aggregation=Aggregation.LATEST, value__isnull=False
    ).values_list(
        "indicator_id", "report__sub_agreement_id", "report__month", "value", "report__status"
    ):
        by_unit[indicator_id][sub_id][month] = (value, status == Status.SUBMITTED)
    for indicator_id, units in by_unit.items():
        current: dict[int, tuple[int, bool]] = {}
        for month in months_between(first, last):
            for sub_id, months in units.items():
                if month in months:
                    current[sub_id] = months[month]
            if current:
                series[indicator_id][month] = Decimal(sum(v for v, _p in current.values()))
                if any(p for _v, p in current.values()):
                    provisional[indicator_id].add(month)


def district_due(*, sub_agreement: Agreement, today: dt.date | None = None) -> DistrictDue:
    """Months the district owes (missing after the deadline, or returned for correction), and
    every returned report with its reason. One query (the district is already in scope)."""
    as_of = today or calendar.today()
    first, last = calendar.agreement_months(sub_agreement)
    current = report_month_of(as_of, sub_agreement.plan.period_rule)
    months = months_between(first, min(last, current))
    reports = {
        r.month: r
        for r in MonthlyReport.objects.filter(sub_agreement=sub_agreement).select_related(
            "reviewed_by"
        )
    }
    due = []
    for month in months:
        report = reports.get(month)
        cell = _cell(
            sub_agreement,
            month,
            {"id": report.pk, "status": report.status, "submitted_at": report.submitted_at}
            if report
            else None,
            as_of,
        )
        # Owed: missing or returned, or the open month not yet submitted (deadline ahead).
        if cell.state in (MISSING, RETURNED) or (
            cell.state == NOT_DUE and cell.deadline is not None
        ):
            due.append(
                DueMonth(month=month, deadline=cell.deadline, state=cell.state, report=report)
            )
    returned = tuple(
        r for r in sorted(reports.values(), key=lambda r: r.month) if r.status == Status.RETURNED
    )
    return DistrictDue(due=tuple(due), returned=returned)


def plan_achievement(
    *, plan: Agreement, scope: UserScope, include_provisional: bool = False
) -> list[IndicatorProgress]:
    """Whole-plan figures per indicator (the home page's table): ``province_progress`` for
    the whole plan, flattened."""
    period = period_parse("plan", plan=plan)
    assert period is not None
    return province_progress(
        plan=plan, period=period, scope=scope, include_provisional=include_provisional
    ).rows
