"""Rollups of the official (approved) figures, kept exact in the transaction of each write.

Three tables (activities.models): ``ApprovedFigure`` (each approved value with its plan,
sub-agreement and month on the row), ``PlanMonthTotal`` (a plan's flows and ratio parts per
indicator and month) and ``PlanStockSpan`` (a plan's stock levels by the month they were
reported and the month a newer one replaced them). A province's figure for any period is then
a sum over a number of rows that grows with months and indicators, never with units.

Every write that can change approved data calls ``rollups_refresh`` with the reports it
touched, inside its own transaction: approval (single and bulk), return and reopen, figure
writes (form, Excel import, API) to a month that was approved. Restore and bulk loads call
``rollups_rebuild``. Nothing else writes these tables; ``manage.py rollups_rebuild --verify``
recomputes them from the raw values and lists every difference.

What is *not* in them, on purpose: which units a successor took over (the reform's
``UnitSuccession``) and each unit's dates. The selectors apply those when they read, so a
reform or a changed end date never leaves a rollup stale."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from activities.models import (
    OPEN_UNTIL,
    ActivityValue,
    ApprovedFigure,
    MonthlyReport,
    PlanMonthTotal,
    PlanStockSpan,
)
from agreements.models import Indicator

Status = MonthlyReport.Status

# (value, numerator, denominator) of one approved figure; ratio parts only when both exist.
Figure = tuple[int | None, int | None, int | None]


def _figure(value, numerator, denominator) -> Figure:
    both = numerator is not None and denominator is not None
    return (value, numerator if both else None, denominator if both else None)


def stock_spans(levels: dict[dt.date, int]) -> list[tuple[dt.date, dt.date, int]]:
    """A unit's reported levels (month → value) as spans: (since, until, level), each level
    holding from its month until the next reported month (the last one: ``OPEN_UNTIL``)."""
    months = sorted(levels)
    return [
        (month, months[i + 1] if i + 1 < len(months) else OPEN_UNTIL, levels[month])
        for i, month in enumerate(months)
    ]


def _total_delta(
    totals: dict, plan_id: int, indicator_id: int, month: dt.date, figure: Figure, sign: int
) -> None:
    value, numerator, denominator = figure
    row = totals.setdefault((plan_id, indicator_id, month), [0, 0, 0, 0, 0])
    if value is not None:
        row[0] += sign * value
        row[1] += sign
    if numerator is not None:
        row[2] += sign * numerator
        row[3] += sign * denominator
        row[4] += sign


def _span_delta(spans: dict, plan_id: int, indicator_id: int, levels: dict, sign: int) -> None:
    for since, until, level in stock_spans(levels):
        row = spans.setdefault((plan_id, indicator_id, since, until), [0, 0])
        row[0] += sign * level
        row[1] += sign


TOTAL_FIELDS = ("value_sum", "value_count", "numerator_sum", "denominator_sum", "both_count")
SPAN_FIELDS = ("level_sum", "units")
TOTAL_KEY = ("plan", "indicator", "month")
SPAN_KEY = ("plan", "indicator", "since", "until")


def _apply(model, key_fields: tuple[str, ...], fields: tuple[str, ...], deltas: dict) -> None:
    """Add ``deltas`` (key → amounts) to the rows of ``model``, creating missing rows. The
    rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL) so two approvals of different
    units never lose each other's addition; the insert of a missing row ignores one a
    concurrent transaction inserted and adds to it. A row that falls back to zero is kept:
    deleting it could make a concurrent transaction, waiting on its lock, miss it and drop
    its addition. Zero rows count as nothing everywhere (the readers sum them, the checker
    ignores them)."""
    deltas = {key: amounts for key, amounts in deltas.items() if any(amounts)}
    if not deltas:
        return
    model.objects.bulk_create(
        [model(**_key_kwargs(key_fields, key)) for key in deltas],
        ignore_conflicts=True,
        batch_size=1000,
    )
    lookup = {
        f"{_column(name)}__in": sorted({key[i] for key in deltas})
        for i, name in enumerate(key_fields)
    }
    changed = []
    for row in model.objects.select_for_update().filter(**lookup):
        amounts = deltas.get(tuple(getattr(row, _column(name)) for name in key_fields))
        if amounts is None:
            continue
        for name, amount in zip(fields, amounts, strict=True):
            setattr(row, name, getattr(row, name) + amount)
        changed.append(row)
    model.objects.bulk_update(changed, list(fields), batch_size=1000)


def _column(name: str) -> str:
    return f"{name}_id" if name in ("plan", "indicator") else name


def _key_kwargs(key_fields: tuple[str, ...], key: tuple) -> dict:
    return {_column(name): value for name, value in zip(key_fields, key, strict=True)}


@transaction.atomic(savepoint=False)
def rollups_refresh(*, report_ids: Iterable[int]) -> None:
    """Bring the rollups of these reports' months in line with their values and status
    (approved counts, anything else does not). Call it in the transaction of the write,
    after the write. A fixed number of queries whatever the number of units."""
    report_ids = list(report_ids)
    if not report_ids:
        return
    reports = list(
        MonthlyReport.objects.filter(
            pk__in=report_ids, sub_agreement__parent__isnull=False
        ).values_list("pk", "sub_agreement_id", "sub_agreement__parent_id", "month", "status")
    )
    if not reports:
        return
    plan_of = {sub_id: plan_id for _pk, sub_id, plan_id, _m, _s in reports}
    pairs = {(sub_id, month) for _pk, sub_id, _p, month, _s in reports}
    new: dict[tuple[int, int, dt.date], Figure] = {}
    for indicator_id, sub_id, month, value, numerator, denominator in ActivityValue.objects.filter(
        report_id__in=[pk for pk, _sub, _p, _m, status in reports if status == Status.APPROVED]
    ).values_list(
        "indicator_id",
        "report__sub_agreement_id",
        "report__month",
        "value",
        "numerator",
        "denominator",
    ):
        figure = _figure(value, numerator, denominator)
        if figure != (None, None, None):
            new[(sub_id, indicator_id, month)] = figure
    old = {
        (row.sub_agreement_id, row.indicator_id, row.month): row
        for row in ApprovedFigure.objects.filter(
            sub_agreement__in=list(plan_of), month__in=sorted({m for _s, m in pairs})
        )
        if (row.sub_agreement_id, row.month) in pairs
    }
    to_create, to_update, to_delete = [], [], []
    totals: dict = {}
    stock_changed: set[tuple[int, int]] = set()
    for key in set(new) | set(old):
        sub_id, indicator_id, month = key
        plan_id = plan_of[sub_id]
        row = old.get(key)
        before = (row.value, row.numerator, row.denominator) if row else None
        after = new.get(key)
        if before == after:
            continue
        if before is not None:
            _total_delta(totals, plan_id, indicator_id, month, before, -1)
        if after is not None:
            _total_delta(totals, plan_id, indicator_id, month, after, +1)
        if (before or (None,))[0] != (after or (None,))[0]:
            stock_changed.add((sub_id, indicator_id))
        if row is None:
            to_create.append(
                ApprovedFigure(
                    plan_id=plan_id,
                    sub_agreement_id=sub_id,
                    indicator_id=indicator_id,
                    month=month,
                    value=after[0],
                    numerator=after[1],
                    denominator=after[2],
                )
            )
        elif after is None:
            to_delete.append(row.pk)
        else:
            row.value, row.numerator, row.denominator = after
            to_update.append(row)
    # Stocks: the units' level series before and after, as spans.
    spans: dict = {}
    if stock_changed:
        levels_before: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
        for sub_id, indicator_id, month, value in ApprovedFigure.objects.filter(
            sub_agreement__in=sorted({s for s, _i in stock_changed}),
            indicator__in=sorted({i for _s, i in stock_changed}),
            value__isnull=False,
        ).values_list("sub_agreement_id", "indicator_id", "month", "value"):
            if (sub_id, indicator_id) in stock_changed:
                levels_before[(sub_id, indicator_id)][month] = value
        for sub_id, indicator_id in stock_changed:
            before = levels_before.get((sub_id, indicator_id), {})
            after = dict(before)
            for (s, i, month), figure in new.items():
                if (s, i) == (sub_id, indicator_id) and figure[0] is not None:
                    after[month] = figure[0]
            for s, i, month in old:
                if (s, i) == (sub_id, indicator_id) and new.get((s, i, month), (None,))[0] is None:
                    after.pop(month, None)
            _span_delta(spans, plan_of[sub_id], indicator_id, before, -1)
            _span_delta(spans, plan_of[sub_id], indicator_id, after, +1)
    ApprovedFigure.objects.bulk_create(to_create, batch_size=1000)
    ApprovedFigure.objects.bulk_update(
        to_update, ["value", "numerator", "denominator"], batch_size=1000
    )
    if to_delete:
        ApprovedFigure.objects.filter(pk__in=to_delete).delete()
    _apply(PlanMonthTotal, TOTAL_KEY, TOTAL_FIELDS, totals)
    _apply(PlanStockSpan, SPAN_KEY, SPAN_FIELDS, spans)


# --- Rebuild and verify ---------------------------------------------------------------------


def _raw_figures(
    plan_ids: list[int] | None, indicator_id: int | None = None
) -> dict[tuple[int, int, int, dt.date], Figure]:
    """(plan, sub-agreement, indicator, month) → figure, from the raw approved values (of one
    indicator when given)."""
    values = ActivityValue.objects.filter(
        report__status=Status.APPROVED, report__sub_agreement__parent__isnull=False
    )
    if plan_ids is not None:
        values = values.filter(report__sub_agreement__parent__in=plan_ids)
    if indicator_id is not None:
        values = values.filter(indicator_id=indicator_id)
    result = {}
    for plan_id, sub_id, indicator_id, month, value, numerator, denominator in values.values_list(
        "report__sub_agreement__parent_id",
        "report__sub_agreement_id",
        "indicator_id",
        "report__month",
        "value",
        "numerator",
        "denominator",
    ).iterator(chunk_size=5000):
        figure = _figure(value, numerator, denominator)
        if figure != (None, None, None):
            result[(plan_id, sub_id, indicator_id, month)] = figure
    return result


def _expected(figures: dict) -> tuple[dict, dict]:
    totals: dict = {}
    levels: dict[tuple[int, int, int], dict[dt.date, int]] = defaultdict(dict)
    for (plan_id, sub_id, indicator_id, month), figure in figures.items():
        _total_delta(totals, plan_id, indicator_id, month, figure, +1)
        if figure[0] is not None:
            levels[(plan_id, sub_id, indicator_id)][month] = figure[0]
    spans: dict = {}
    for (plan_id, _sub_id, indicator_id), series in levels.items():
        _span_delta(spans, plan_id, indicator_id, series, +1)
    return (
        {k: tuple(v) for k, v in totals.items() if any(v)},
        {k: tuple(v) for k, v in spans.items() if any(v)},
    )


def _plan_filter(queryset, plan_ids: list[int] | None):
    return queryset if plan_ids is None else queryset.filter(plan__in=plan_ids)


@transaction.atomic
def rollups_rebuild(*, plan_ids: list[int] | None = None) -> int:
    """Recompute the rollups (of these plans, else all) from the raw approved values.
    Returns the number of approved figures. For restores, bulk loads and the command."""
    for model in (ApprovedFigure, PlanMonthTotal, PlanStockSpan):
        _plan_filter(model.objects.all(), plan_ids).delete()
    # One indicator at a time: every rollup row belongs to one indicator, so the figures held
    # in memory are one indicator's (1,5 M figures at 3.300 units took 1,3 GB all at once).
    indicators = Indicator.objects.all()
    if plan_ids is not None:
        indicators = indicators.filter(plan__in=plan_ids)
    count = 0
    for indicator_id in indicators.order_by("pk").values_list("pk", flat=True):
        count += _rebuild_indicator(plan_ids, indicator_id)
    return count


def _rebuild_indicator(plan_ids: list[int] | None, indicator_id: int) -> int:
    figures = _raw_figures(plan_ids, indicator_id)
    totals, spans = _expected(figures)
    ApprovedFigure.objects.bulk_create(
        (
            ApprovedFigure(
                plan_id=plan_id,
                sub_agreement_id=sub_id,
                indicator_id=indicator_id,
                month=month,
                value=figure[0],
                numerator=figure[1],
                denominator=figure[2],
            )
            for (plan_id, sub_id, indicator_id, month), figure in figures.items()
        ),
        batch_size=2000,
    )
    PlanMonthTotal.objects.bulk_create(
        (
            PlanMonthTotal(
                plan_id=plan_id,
                indicator_id=indicator_id,
                month=month,
                **dict(zip(TOTAL_FIELDS, amounts, strict=True)),
            )
            for (plan_id, indicator_id, month), amounts in totals.items()
        ),
        batch_size=2000,
    )
    PlanStockSpan.objects.bulk_create(
        (
            PlanStockSpan(
                plan_id=plan_id,
                indicator_id=indicator_id,
                since=since,
                until=until,
                **dict(zip(SPAN_FIELDS, amounts, strict=True)),
            )
            for (plan_id, indicator_id, since, until), amounts in spans.items()
        ),
        batch_size=2000,
    )
    return len(figures)


def rollups_differences(*, plan_ids: list[int] | None = None, limit: int = 50) -> list[str]:
    """Every way the stored rollups differ from the raw approved values (at most ``limit``
    lines), empty when they are equal."""
    figures = _raw_figures(plan_ids)
    totals, spans = _expected(figures)
    stored_figures = {
        (p, s, i, m): (v, n, d)
        for p, s, i, m, v, n, d in _plan_filter(ApprovedFigure.objects.all(), plan_ids).values_list(
            "plan_id",
            "sub_agreement_id",
            "indicator_id",
            "month",
            "value",
            "numerator",
            "denominator",
        )
    }
    # Rows that fell back to zero are kept by the writes (see _apply): they count as absent.
    stored_totals = {
        (p, i, m): tuple(rest)
        for p, i, m, *rest in _plan_filter(PlanMonthTotal.objects.all(), plan_ids).values_list(
            "plan_id", "indicator_id", "month", *TOTAL_FIELDS
        )
        if any(rest)
    }
    stored_spans = {
        (p, i, s, u): tuple(rest)
        for p, i, s, u, *rest in _plan_filter(PlanStockSpan.objects.all(), plan_ids).values_list(
            "plan_id", "indicator_id", "since", "until", *SPAN_FIELDS
        )
        if any(rest)
    }
    lines = []
    for name, expected, stored in (
        ("approved figure", figures, stored_figures),
        ("plan month total", totals, stored_totals),
        ("plan stock span", spans, stored_spans),
    ):
        for key in sorted(set(expected) | set(stored), key=str):
            if expected.get(key) != stored.get(key):
                lines.append(f"{name} {key}: raw {expected.get(key)} != rollup {stored.get(key)}")
    return lines[:limit] if limit else lines
