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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from activities.models import (
    ActivityValue,
    ApprovedFigure,
    MonthlyReport,
    PlanMonthTotal,
    PlanStockSpan,
)
from agreements.models import Agreement, Indicator, Target, Task, UnitSuccession
from agreements.selectors import former_districts, sub_agreement_list
from core import calendar
from core.calendar import (
    MISSING,
    NOT_DUE,
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
from reports.results import (  # noqa: F401 (the selectors' result types, re-exported)
    AT_RISK,
    AT_RISK_AT,
    BEHIND,
    BY_FORMER_DISTRICT,
    BY_UNIT,
    CELL_LABELS,
    HUNDRED,
    NO_TARGET,
    ON_TRACK,
    ON_TRACK_AT,
    STATUS_LABELS,
    STATUS_ORDER,
    Achieved,
    CompletenessGrid,
    DistrictComparison,
    DistrictDue,
    DistrictRow,
    DueMonth,
    GridCell,
    GridRow,
    IndicatorProgress,
    ProgressReport,
    TaskProgress,
    Trend,
    TrendPoint,
    percent_of,
    progress_status,
    ratio_percent,
    relative_change,
)
from reports.targets import (
    active_months,
    baselines_by_agreement,
    elapsed_months,
    indicator_progress,
    merged_schedule,
    schedule_for,
    targets_by_agreement,
    union_months,
)

Status = MonthlyReport.Status
Aggregation = Indicator.Aggregation

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


def _counted(include_provisional: bool) -> list[str]:
    return [Status.APPROVED, Status.SUBMITTED] if include_provisional else [Status.APPROVED]


@dataclass(frozen=True)
class _Source:
    """Where figures are read: the raw values (joined to their reports, any counted status)
    or the approved-figure rollup (activities/rollups.py), whose rows carry their
    sub-agreement and month and are all approved."""

    sub: str
    month: str
    status: str | None


RAW = _Source(sub="report__sub_agreement_id", month="report__month", status="report__status")
ROLLUP = _Source(sub="sub_agreement_id", month="month", status=None)


def _source(raw: bool, include_provisional: bool) -> _Source:
    """Official figures come from the rollups; submitted months (provisional) and the
    checker (``raw=True``) from the raw values."""
    return RAW if raw or include_provisional else ROLLUP


def _values(
    *,
    subs: list[Agreement],
    months: Sequence[dt.date],
    include_provisional: bool,
    source: _Source = RAW,
) -> QuerySet:
    if source is ROLLUP:
        return ApprovedFigure.objects.filter(
            sub_agreement__in=[s.pk for s in subs], month__gte=min(months), month__lte=max(months)
        )
    return ActivityValue.objects.filter(
        report__sub_agreement__in=[s.pk for s in subs],
        report__month__gte=min(months),
        report__month__lte=max(months),
        report__status__in=_counted(include_provisional),
    )


def _superseded(subs: Sequence[Agreement]) -> dict[int, dt.date]:
    """Sub-agreements whose unit was taken over by another unit among ``subs``, with their
    last report month: after it their stock (e.g. VNeID accounts) is counted by the
    successors, so adding both would count the same residents twice. One query."""
    by_unit = {sub.org_unit_id: sub for sub in subs}
    taken_over = set(
        UnitSuccession.objects.filter(
            predecessor__in=list(by_unit), successor__in=list(by_unit)
        ).values_list("predecessor_id", flat=True)
    )
    return {
        by_unit[unit_id].pk: calendar.agreement_months(by_unit[unit_id])[1]
        for unit_id in taken_over
    }


def _provisional_count(source: _Source) -> dict:
    if source.status is None:
        return {}
    return {"provisional": Count("id", filter=Q(**{source.status: Status.SUBMITTED}))}


def _with_status(queryset: QuerySet, source: _Source, *fields: str) -> list[tuple]:
    """Rows of ``fields`` plus the report's status (the rollup's rows are all approved)."""
    if source.status is None:
        return [(*row, Status.APPROVED) for row in queryset.values_list(*fields)]
    return list(queryset.values_list(*fields, source.status))


def _achieved(
    values: QuerySet,
    *,
    by_district: bool,
    superseded: dict[int, dt.date] | None = None,
    window_end: dt.date | None = None,
    source: _Source = RAW,
) -> dict[tuple[int, int | None], Achieved]:
    """Achieved per indicator (and per sub-agreement when ``by_district``): two GROUP BY
    queries, one for flows and ratios, one for stocks."""
    keys = ["indicator_id", source.sub] if by_district else ["indicator_id"]
    both_parts = Q(numerator__isnull=False, denominator__isnull=False)
    result: dict[tuple[int, int | None], Achieved] = {}
    flows = (
        values.filter(indicator__aggregation__in=[Aggregation.SUM, Aggregation.RATIO])
        .values(*keys, "indicator__aggregation")
        .annotate(
            total=Sum("value"),
            numerator_sum=Sum("numerator", filter=both_parts),
            denominator_sum=Sum("denominator", filter=both_parts),
            **_provisional_count(source),
        )
        .order_by()
    )
    for row in flows:
        key = (row["indicator_id"], row.get(source.sub))
        provisional = row.get("provisional", 0) > 0
        if row["indicator__aggregation"] == Aggregation.RATIO:
            numerator, denominator = row["numerator_sum"], row["denominator_sum"]
            result[key] = Achieved(
                ratio_percent(numerator, denominator), numerator, denominator, provisional
            )
        elif row["total"] is not None:
            result[key] = Achieved(Decimal(row["total"]), provisional=provisional)
    # Stocks: each unit's value in its latest counted month of the window, then summed. A
    # window function picks that month in the database and returns one row per unit and
    # stock indicator (never one per month); a correlated "latest month" subquery instead
    # grew with units × months squared.
    latest = (
        values.filter(indicator__aggregation=Aggregation.LATEST, value__isnull=False)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F(source.sub)],
                order_by=F(source.month).desc(),
            )
        )
        .filter(recency=1)
    )
    latest = _with_status(latest, source, "indicator_id", source.sub, "value")
    stock_totals: dict[tuple[int, int | None], list] = {}
    superseded = superseded or {}
    for indicator_id, sub_id, value, status in latest:
        if not by_district and window_end and window_end > superseded.get(sub_id, window_end):
            continue  # a unit that ended before the window did: its successors hold the level
        key = (indicator_id, sub_id if by_district else None)
        total = stock_totals.setdefault(key, [0, False])
        total[0] += value
        total[1] = total[1] or status == Status.SUBMITTED
    for key, (total, provisional) in stock_totals.items():
        result[key] = Achieved(Decimal(total), provisional=provisional)
    return result


def _plan_achieved(
    *,
    plan: Agreement,
    indicators: list[Indicator],
    period: Period,
    superseded: dict[int, dt.date],
    window_end: dt.date,
) -> dict[tuple[int, None], Achieved]:
    """The whole plan's approved figures per indicator from the plan-level rollups: flows and
    ratio parts summed over the period's months (at most months × indicators rows), stocks
    from the level spans that hold at the period's end (a number that depends on months,
    not units). A unit whose successors took over before the window ended is taken out
    again, as the raw path leaves it out. Three queries (two without such units)."""
    first, last = period.first_month, period.last_month
    kinds = {i.pk: i.aggregation for i in indicators}
    result: dict[tuple[int, None], Achieved] = {}
    for row in (
        PlanMonthTotal.objects.filter(
            plan=plan, indicator__in=list(kinds), month__gte=first, month__lte=last
        )
        .values("indicator_id")
        .annotate(
            total=Sum("value_sum"),
            values=Sum("value_count"),
            numerator=Sum("numerator_sum"),
            denominator=Sum("denominator_sum"),
            both=Sum("both_count"),
        )
        .order_by()
    ):
        kind = kinds[row["indicator_id"]]
        key = (row["indicator_id"], None)
        if kind == Aggregation.RATIO:
            numerator = row["numerator"] if row["both"] else None
            denominator = row["denominator"] if row["both"] else None
            result[key] = Achieved(ratio_percent(numerator, denominator), numerator, denominator)
        elif kind == Aggregation.SUM and row["values"]:
            result[key] = Achieved(Decimal(row["total"]))
    stocks = [pk for pk, kind in kinds.items() if kind == Aggregation.LATEST]
    if not stocks:
        return result
    levels: dict[int, list[int]] = {}
    for indicator_id, level, units in (
        PlanStockSpan.objects.filter(
            plan=plan, indicator__in=stocks, since__gte=first, since__lte=last, until__gt=last
        )
        .values("indicator_id")
        .annotate(level=Sum("level_sum"), units=Sum("units"))
        .values_list("indicator_id", "level", "units")
        .order_by()
    ):
        levels[indicator_id] = [level, units]
    gone = [sub_id for sub_id, ends in superseded.items() if window_end > ends]
    if gone:
        for indicator_id, _sub_id, value in (
            ApprovedFigure.objects.filter(
                sub_agreement__in=gone,
                indicator__in=stocks,
                month__gte=first,
                month__lte=last,
                value__isnull=False,
            )
            .annotate(
                recency=Window(
                    RowNumber(),
                    partition_by=[F("indicator_id"), F("sub_agreement_id")],
                    order_by=F("month").desc(),
                )
            )
            .filter(recency=1)
            .values_list("indicator_id", "sub_agreement_id", "value")
        ):
            levels[indicator_id][0] -= value
            levels[indicator_id][1] -= 1
    for indicator_id, (level, units) in levels.items():
        if units:
            result[(indicator_id, None)] = Achieved(Decimal(level))
    return result


def _target_sums(
    subs: Sequence[Agreement], targets: dict, indicators: Sequence[Indicator]
) -> dict[int, Decimal]:
    """Indicator → the sum of the districts' whole-plan targets (none if no district has
    one), to flag a provincial target that differs from it."""
    sums: dict[int, Decimal] = {}
    for indicator in indicators:
        parts = [targets[s.pk][indicator.pk].get(None) for s in subs if s.pk in targets]
        parts = [p for p in parts if p is not None]
        if parts:
            sums[indicator.pk] = sum(parts, Decimal(0))
    return sums


@dataclass(frozen=True)
class _PlanWhole:
    """What the whole-province figures need of the plan's units, read for the plan as a
    whole: the report months of any of its units, the sum of their whole-plan targets,
    and the units taken over by another of its units (with their last month)."""

    months: list[dt.date]
    target_sums: dict[int, Decimal]
    superseded: dict[int, dt.date]


def _plan_whole(*, plan: Agreement, indicators: Sequence[Indicator]) -> _PlanWhole:
    """Four small queries whose rows do not grow with the number of units: distinct date
    spans, one sum per indicator, and the few units a successor took over."""
    subs = Agreement.objects.filter(parent=plan)
    spans = set(subs.values_list("start_date", "end_date").distinct().order_by())
    months: set[dt.date] = set()
    for start, end in spans:
        months.update(months_between(calendar.month_start(start), calendar.month_start(end)))
    if not spans:
        months.update(active_months(plan))
    target_sums = {
        indicator_id: total
        for indicator_id, total in Target.objects.filter(
            agreement__parent=plan, year__isnull=True, indicator__in=[i.pk for i in indicators]
        )
        .values("indicator_id")
        .annotate(total=Sum("value"))
        .values_list("indicator_id", "total")
        .order_by()
        if total is not None
    }
    units = subs.values("org_unit_id")
    taken_over = UnitSuccession.objects.filter(predecessor__in=units, successor__in=units).values(
        "predecessor_id"
    )
    superseded = {
        sub.pk: calendar.agreement_months(sub)[1]
        for sub in subs.filter(org_unit__in=taken_over).select_related("parent")
    }
    return _PlanWhole(months=sorted(months), target_sums=target_sums, superseded=superseded)


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
    raw: bool = False,
) -> ProgressReport:
    """Per indicator, grouped by task: baseline, targets, achieved, percent, expected at the
    last closed month and status, for the whole province or (``district``) one district.
    Six queries. Official figures come from the rollups (for the whole province from the
    plan-level ones, whatever the number of units); ``raw=True`` computes them from the
    raw values instead (the checker: tests and the benchmark compare both)."""
    as_of = today or calendar.today()
    closed = last_closed_month(as_of, plan.period_rule)
    indicators = _indicators(plan=plan, task=task)
    source = _source(raw, include_provisional)
    window_end = min(closed, period.last_month)
    district_sums: dict[int, Decimal] = {}
    if source is ROLLUP and district is None and scope.sees_all:
        # The whole province: every figure, target and month set is read for the plan as a
        # whole (a few rows per indicator), never unit by unit.
        whole = _plan_whole(plan=plan, indicators=indicators)
        level_agreements = [plan]
        targets = targets_by_agreement([plan], indicators)
        baselines = baselines_by_agreement([plan], indicators)
        district_sums = whole.target_sums
        active = whole.months
        achieved = _plan_achieved(
            plan=plan,
            indicators=indicators,
            period=period,
            superseded=whole.superseded,
            window_end=window_end,
        )
    else:
        subs = _sub_agreements(plan=plan, scope=scope, district=district)
        if district is None and not scope.sees_all:
            # A district user's "province" is their own districts: their targets are the
            # ones that apply, so the figures are those of the districts, summed.
            level_agreements = subs
        else:
            level_agreements = [district] if district is not None else [plan]
        targets = targets_by_agreement([plan, *subs], indicators)
        baselines = baselines_by_agreement([plan, *subs], indicators)
        if district is None and scope.sees_all:
            district_sums = _target_sums(subs, targets, indicators)
        achieved = (
            _achieved(
                _values(
                    subs=subs,
                    months=period.months,
                    include_provisional=include_provisional,
                    source=source,
                ),
                by_district=False,
                superseded=_superseded(subs),
                window_end=window_end,
                source=source,
            )
            if subs
            else {}
        )
        active = active_months(district) if district is not None else union_months(subs or [plan])
    groups: dict[int, list[IndicatorProgress]] = {}
    tasks: dict[int, Task] = {}
    for indicator in indicators:
        if len(level_agreements) == 1:
            schedule = schedule_for(indicator, level_agreements[0], active, targets, baselines)
        else:
            schedule = merged_schedule(indicator, level_agreements, targets, baselines)
        district_sum = None
        if district is None and scope.sees_all and not indicator.is_ratio:
            district_sum = district_sums.get(indicator.pk)
        tasks[indicator.task_id] = indicator.task
        groups.setdefault(indicator.task_id, []).append(
            indicator_progress(
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
        months_elapsed=len(elapsed_months(period, active, closed)),
        include_provisional=include_provisional,
        tasks=tuple(
            TaskProgress(task=tasks[task_id], rows=tuple(rows)) for task_id, rows in groups.items()
        ),
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
    grouping: str = BY_UNIT,
    raw: bool = False,
) -> DistrictComparison:
    """Districts × key indicators: achieved, target, expected and status per district against
    the district's own targets, with completeness and timeliness. Key indicators are the
    ``indicator_codes`` given, else every indicator of ``task``, else the first of each task.
    ``sort``: ``name``, ``status``, ``completeness``, ``timeliness`` or an indicator code
    (by percent of expected); a leading ``-`` reverses. Pass the page's ``grid`` (same
    period and scope) to reuse its completeness rates. Approved figures come from the
    approved-figure rollup (``raw=True``: from the raw values).
    ``grouping=BY_FORMER_DISTRICT`` gives one line per former district (the district's
    months and those of the communes formed from it): the 2023–2025 totals stay whole
    across the 2025 reform. Seven queries (six with ``grid``; one more by former district)."""
    as_of = today or calendar.today()
    closed = last_closed_month(as_of, plan.period_rule)
    indicators = _indicators(plan=plan, task=task, codes=indicator_codes)
    if not indicator_codes and task is None:
        firsts: dict[int, Indicator] = {}
        for indicator in indicators:
            firsts.setdefault(indicator.task_id, indicator)
        indicators = list(firsts.values())
    subs = _sub_agreements(plan=plan, scope=scope, district=None)
    targets = targets_by_agreement(subs, indicators)
    baselines = baselines_by_agreement(subs, indicators)
    source = _source(raw, include_provisional)
    achieved = (
        _achieved(
            _values(
                subs=subs,
                months=period.months,
                include_provisional=include_provisional,
                source=source,
            ),
            by_district=True,
            source=source,
        )
        if subs
        else {}
    )
    if grid is not None and grid.period == period:
        by_sub = {row.sub_agreement.pk: row for row in grid.rows}
        grid_rows = [by_sub.get(sub.pk) for sub in subs]
    else:
        grid_rows = _grid_rows(subs=subs, period=period, as_of=as_of)
    build_rows = _former_district_rows if grouping == BY_FORMER_DISTRICT else _unit_rows
    rows = build_rows(
        subs=subs,
        grid_rows=grid_rows,
        indicators=indicators,
        achieved=achieved,
        targets=targets,
        baselines=baselines,
        period=period,
        closed=closed,
    )
    return DistrictComparison(
        period=period,
        as_of=as_of,
        include_provisional=include_provisional,
        indicators=tuple(indicators),
        rows=tuple(_sort_rows(rows, sort, indicators)),
        sort=sort,
        grouping=grouping,
    )


def _unit_rows(
    *,
    subs: list[Agreement],
    grid_rows: list,
    indicators: list[Indicator],
    achieved: dict,
    targets: dict,
    baselines: dict,
    period: Period,
    closed: dt.date,
) -> list[DistrictRow]:
    """One row per unit, against its own targets."""
    rows = []
    for sub, grid_row in zip(subs, grid_rows, strict=True):
        active = active_months(sub)
        cells = tuple(
            indicator_progress(
                schedule_for(indicator, sub, active, targets, baselines),
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
    return rows


def _combined(indicator: Indicator, parts: list[Achieved | None]) -> Achieved | None:
    """Several units' achievement as one line: flows and stocks add up, a ratio divides the
    summed numerators by the summed denominators (never an average of rates)."""
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    provisional = any(part.provisional for part in parts)
    if indicator.is_ratio:
        numerator = sum(part.numerator or 0 for part in parts)
        denominator = sum(part.denominator or 0 for part in parts)
        return Achieved(ratio_percent(numerator, denominator), numerator, denominator, provisional)
    values = [part.value for part in parts if part.value is not None]
    return Achieved(sum(values, Decimal(0)) if values else None, provisional=provisional)


def _former_district_rows(
    *,
    subs: list[Agreement],
    grid_rows: list,
    indicators: list[Indicator],
    achieved: dict,
    targets: dict,
    baselines: dict,
    period: Period,
    closed: dt.date,
) -> list[DistrictRow]:
    """One row per former district: its own sub-agreement and those of the units formed
    from it (agreements.selectors.former_districts). Flows and ratios add every member's
    months; a stock (and its target) counts the members that still held it at the end of
    the window, so a district's level and its communes' are not added twice."""
    lines = former_districts(sub.org_unit for sub in subs)
    members: dict[int, list[tuple[Agreement, GridRow | None]]] = {}
    for sub, grid_row in zip(subs, grid_rows, strict=True):
        members.setdefault(lines[sub.org_unit_id].pk, []).append((sub, grid_row))
    superseded = _superseded(subs)
    window_end = min(closed, period.last_month)
    rows = []
    for line_unit_id, group in members.items():
        group_subs = [sub for sub, _row in group]
        head = next((sub for sub in group_subs if sub.org_unit_id == line_unit_id), group_subs[0])
        holding = [s for s in group_subs if not window_end > superseded.get(s.pk, window_end)]
        cells = []
        for indicator in indicators:
            parts = (
                holding or group_subs if indicator.aggregation == Aggregation.LATEST else group_subs
            )
            if len(parts) == 1:
                schedule = schedule_for(
                    indicator, parts[0], active_months(parts[0]), targets, baselines
                )
            else:
                schedule = merged_schedule(indicator, parts, targets, baselines)
            cells.append(
                indicator_progress(
                    schedule,
                    _combined(indicator, [achieved.get((indicator.pk, s.pk)) for s in parts]),
                    period,
                    closed,
                )
            )
        counts: Counter = Counter()
        for _sub, grid_row in group:
            if grid_row is not None:
                counts.update(grid_row.counts)
        summed = GridRow(
            sub_agreement=head,
            cells=(),
            counts={state: counts.get(state, 0) for state in CELL_LABELS},
        )
        rows.append(
            DistrictRow(
                sub_agreement=head,
                cells=tuple(cells),
                completeness=summed.completeness,
                timeliness=summed.timeliness,
                members=tuple(group_subs),
            )
        )
    return rows


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
    due = calendar.deadline(sub, month)
    state = calendar.month_state(
        agreement=sub,
        month=month,
        status=report["status"] if report else None,
        submitted_at=report["submitted_at"] if report else None,
        on=as_of,
        due=due,
    )
    if state == OUTSIDE:
        return GridCell(month=month, state=state)
    return GridCell(
        month=month,
        state=state,
        report_id=report["id"] if report else None,
        report_status=report["status"] if report else None,
        deadline=due,
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
    raw: bool = False,
) -> tuple[Trend, ...]:
    """``indicator_trend`` for several indicators at once (``indicators``, else those of
    ``task``, else all), in the plan's order. At most six queries whatever their number.
    Approved figures come from the rollups (the whole province's from the plan-level ones);
    ``raw=True`` from the raw values."""
    as_of = today or calendar.today()
    if indicators is None:
        indicators = _indicators(plan=plan, task=task)
    indicators = list(indicators)
    source = _source(raw, include_provisional)
    whole = None
    if source is ROLLUP and district is None and scope.sees_all:
        # The whole province from the plan-level rollups: no unit is loaded.
        whole = _plan_whole(plan=plan, indicators=[])
        subs: list[Agreement] = []
        active = whole.months
    else:
        subs = _sub_agreements(plan=plan, scope=scope, district=district)
        active = active_months(district) if district is not None else union_months(subs or [plan])
    level = district if district is not None else plan
    merged = district is None and not scope.sees_all
    targets = targets_by_agreement(subs if merged else [level], indicators)
    baselines = {} if merged else baselines_by_agreement([level], indicators)
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
    if whole is not None and months and indicators:
        _plan_series(plan, indicators, first, months[-1], series, whole.superseded)
    elif subs and months and indicators:
        values = _values(
            subs=subs,
            months=[first, months[-1]],
            include_provisional=include_provisional,
            source=source,
        ).filter(indicator__in=[i.pk for i in indicators])
        kinds = {i.aggregation for i in indicators}
        if kinds - {Aggregation.LATEST}:
            _flow_series(values, series, provisional, source)
        if Aggregation.LATEST in kinds:
            _stock_series(values, first, months[-1], series, provisional, _superseded(subs), source)
    result = []
    for indicator in indicators:
        if merged:
            schedule = merged_schedule(indicator, subs, targets, {})
        else:
            schedule = schedule_for(indicator, level, active, targets, baselines)
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
                        month_on_month=relative_change(
                            values_by_month.get(month), values_by_month.get(add_months(month, -1))
                        ),
                        year_on_year=relative_change(
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
    values: QuerySet,
    series: dict[int, dict[dt.date, Decimal | None]],
    provisional: dict[int, set[dt.date]],
    source: _Source = RAW,
) -> None:
    """Flows and ratios by indicator and month: one GROUP BY query."""
    both = Q(numerator__isnull=False, denominator__isnull=False)
    for row in (
        values.filter(indicator__aggregation__in=[Aggregation.SUM, Aggregation.RATIO])
        .values("indicator_id", "indicator__aggregation", source.month)
        .annotate(
            total=Sum("value"),
            numerator_sum=Sum("numerator", filter=both),
            denominator_sum=Sum("denominator", filter=both),
            **_provisional_count(source),
        )
        .order_by()
    ):
        indicator_id, month = row["indicator_id"], row[source.month]
        if row["indicator__aggregation"] == Aggregation.RATIO:
            series[indicator_id][month] = ratio_percent(
                row["numerator_sum"], row["denominator_sum"]
            )
        else:
            total = row["total"]
            series[indicator_id][month] = Decimal(total) if total is not None else None
        if row.get("provisional"):
            provisional[indicator_id].add(month)


def _stock_series(
    values: QuerySet,
    first: dt.date,
    last: dt.date,
    series: dict[int, dict[dt.date, Decimal | None]],
    provisional: dict[int, set[dt.date]],
    superseded: dict[int, dt.date],
    source: _Source = RAW,
) -> None:
    """A stock's level each month: every unit's latest value so far, summed — a unit taken
    over by a successor only up to its last month. One query of stock indicators × units ×
    months rows (no portable aggregate carries a level forward); the whole province's comes
    from the plan-level spans instead (``_plan_series``)."""
    by_unit: dict[int, dict[int, dict[dt.date, tuple[int, bool]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for indicator_id, sub_id, month, value, status in _with_status(
        values.filter(indicator__aggregation=Aggregation.LATEST, value__isnull=False),
        source,
        "indicator_id",
        source.sub,
        source.month,
        "value",
    ):
        by_unit[indicator_id][sub_id][month] = (value, status == Status.SUBMITTED)
    for indicator_id, units in by_unit.items():
        current: dict[int, tuple[int, bool]] = {}
        for month in months_between(first, last):
            for sub_id, months in units.items():
                if month in months:
                    current[sub_id] = months[month]
                elif sub_id in current and month > superseded.get(sub_id, month):
                    del current[sub_id]
            if current:
                series[indicator_id][month] = Decimal(sum(v for v, _p in current.values()))
                if any(p for _v, p in current.values()):
                    provisional[indicator_id].add(month)


def _plan_series(
    plan: Agreement,
    indicators: Sequence[Indicator],
    first: dt.date,
    last: dt.date,
    series: dict[int, dict[dt.date, Decimal | None]],
    superseded: dict[int, dt.date],
) -> None:
    """The whole plan's approved series from the plan-level rollups: flows and ratios per
    month (indicators × months rows), a stock's level each month from the spans reported
    since ``first`` that still hold (months² rows at most, never units). As in
    ``_stock_series``, a unit taken over by a successor stops counting after its last month
    unless it reported that very month. Three queries (two without such units)."""
    kinds = {i.pk: i.aggregation for i in indicators}
    flows = [pk for pk, kind in kinds.items() if kind != Aggregation.LATEST]
    stocks = [pk for pk, kind in kinds.items() if kind == Aggregation.LATEST]
    if flows:
        for (
            indicator_id,
            month,
            total,
            count,
            numerator,
            denominator,
            both,
        ) in PlanMonthTotal.objects.filter(
            plan=plan, indicator__in=flows, month__gte=first, month__lte=last
        ).values_list(
            "indicator_id",
            "month",
            "value_sum",
            "value_count",
            "numerator_sum",
            "denominator_sum",
            "both_count",
        ):
            if kinds[indicator_id] == Aggregation.RATIO:
                series[indicator_id][month] = (
                    ratio_percent(numerator, denominator) if both else None
                )
            elif count:
                series[indicator_id][month] = Decimal(total)
    if not stocks:
        return
    spans: dict[int, list[tuple[dt.date, dt.date, int, int]]] = defaultdict(list)
    for indicator_id, since, until, level, units in PlanStockSpan.objects.filter(
        plan=plan, indicator__in=stocks, since__gte=first, since__lte=last
    ).values_list("indicator_id", "since", "until", "level_sum", "units"):
        spans[indicator_id].append((since, until, level, units))
    reported: dict[tuple[int, int], list[tuple[dt.date, int]]] = defaultdict(list)
    if superseded:
        for indicator_id, sub_id, month, value in (
            ApprovedFigure.objects.filter(
                sub_agreement__in=list(superseded),
                indicator__in=stocks,
                month__gte=first,
                month__lte=last,
                value__isnull=False,
            )
            .order_by("month")
            .values_list("indicator_id", "sub_agreement_id", "month", "value")
        ):
            reported[(indicator_id, sub_id)].append((month, value))
    months = months_between(first, last)
    for indicator_id in stocks:
        level = dict.fromkeys(months, 0)
        units = dict.fromkeys(months, 0)
        for since, until, amount, count in spans.get(indicator_id, ()):
            for month in months:
                if since <= month < until:
                    level[month] += amount
                    units[month] += count
        for (stock_id, sub_id), history in reported.items():
            if stock_id != indicator_id:
                continue
            for month in months:
                if month <= superseded[sub_id]:
                    continue
                held = [(m, v) for m, v in history if m <= month]
                if held and held[-1][0] != month:
                    level[month] -= held[-1][1]
                    units[month] -= 1
        for month in months:
            if units[month]:
                series[indicator_id][month] = Decimal(level[month])


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
