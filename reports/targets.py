"""Targets and expectations: a flow's target for some months (whole plan, yearly phasing or
pro rata), a level's line from the baseline to the target, and the months that count as
elapsed. Pure arithmetic on what the selectors read; one query each for targets and
baselines."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from agreements.models import Agreement, Baseline, Indicator, Target
from core import calendar
from core.calendar import Period, months_between
from reports.results import Achieved, IndicatorProgress

Aggregation = Indicator.Aggregation


def active_months(agreement: Agreement) -> list[dt.date]:
    first, last = calendar.agreement_months(agreement)
    return months_between(first, last)


def targets_by_agreement(
    agreements: Iterable[Agreement], indicators: list[Indicator]
) -> dict[int, dict[int, dict[int | None, Decimal]]]:
    """agreement id → indicator id → year (None = whole plan) → target. One query."""
    result: dict[int, dict[int, dict[int | None, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for agreement_id, indicator_id, year, value in Target.objects.filter(
        agreement__in=[a.pk for a in agreements], indicator__in=[i.pk for i in indicators]
    ).values_list("agreement_id", "indicator_id", "year", "value"):
        result[agreement_id][indicator_id][year] = value
    return result


def baselines_by_agreement(
    agreements: Iterable[Agreement], indicators: list[Indicator]
) -> dict[tuple[int, int], Decimal]:
    return {
        (agreement_id, indicator_id): value
        for agreement_id, indicator_id, value in Baseline.objects.filter(
            agreement__in=[a.pk for a in agreements], indicator__in=[i.pk for i in indicators]
        ).values_list("agreement_id", "indicator_id", "value")
    }


@dataclass(frozen=True)
class Schedule:
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


def schedule_for(
    indicator: Indicator,
    agreement: Agreement,
    active: Sequence[dt.date],
    targets: dict[int, dict[int, dict[int | None, Decimal]]],
    baselines: dict[tuple[int, int], Decimal],
) -> Schedule:
    return Schedule(
        indicator=indicator,
        targets=dict(targets.get(agreement.pk, {}).get(indicator.pk, {})),
        baseline=baselines.get((agreement.pk, indicator.pk)),
        active=tuple(active),
    )


def union_months(subs: Iterable[Agreement]) -> list[dt.date]:
    months: set[dt.date] = set()
    for sub in subs:
        months.update(active_months(sub))
    return sorted(months)


def elapsed_months(period: Period, active: Sequence[dt.date], closed: dt.date) -> list[dt.date]:
    return [m for m in active if period.contains(m) and m <= closed]


def indicator_progress(
    schedule: Schedule,
    achieved: Achieved | None,
    period: Period,
    closed: dt.date,
    *,
    district_target_sum: Decimal | None = None,
) -> IndicatorProgress:
    in_period = [m for m in schedule.active if period.contains(m)]
    elapsed = elapsed_months(period, schedule.active, closed)
    year = min(closed, period.last_month).year
    achieved = achieved or Achieved(None)
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


def merged_schedule(
    indicator: Indicator,
    agreements: list[Agreement],
    targets: dict[int, dict[int, dict[int | None, Decimal]]],
    baselines: dict[tuple[int, int], Decimal],
) -> Schedule:
    """Several districts as one level (a user with more than one district): targets add up
    for flows and stocks; a ratio keeps the first district's rate."""
    merged: dict[int | None, Decimal] = {}
    for agreement in agreements:
        for year, value in targets.get(agreement.pk, {}).get(indicator.pk, {}).items():
            if indicator.is_ratio:
                merged.setdefault(year, value)
            else:
                merged[year] = merged.get(year, Decimal(0)) + value
    return Schedule(
        indicator=indicator,
        targets=merged,
        baseline=None,
        active=tuple(union_months(agreements)),
    )
