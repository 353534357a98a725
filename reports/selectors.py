"""How far the plan has come. Dashboards, PDFs and exports all read through here, so they
cannot disagree."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, Sum

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator, Target
from agreements.selectors import UserScope

Status = MonthlyReport.Status
Aggregation = Indicator.Aggregation


@dataclass(frozen=True)
class IndicatorAchievement:
    indicator: Indicator
    achieved: Decimal | None
    target: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        if self.achieved is None or not self.target:
            return None
        return (self.achieved / self.target * 100).quantize(Decimal("0.1"))


def _counted_statuses(include_provisional: bool) -> list[str]:
    return [Status.APPROVED, Status.SUBMITTED] if include_provisional else [Status.APPROVED]


def plan_achievement(
    *, plan: Agreement, scope: UserScope, include_provisional: bool = False
) -> list[IndicatorAchievement]:
    """Achieved value per indicator over the whole plan, from approved months only (or also
    submitted ones when asked). Flows add up; stocks take each unit's latest value, then add
    units; ratios divide the sum of numerators by the sum of denominators. Four queries."""
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .select_related("task")
        .order_by("task__order", "order", "code")
    )
    values = ActivityValue.objects.filter(
        report__sub_agreement__parent=plan,
        report__status__in=_counted_statuses(include_provisional),
    )
    if not scope.sees_all:
        values = values.filter(report__sub_agreement__org_unit_id__in=scope.district_unit_ids)
    sums = {
        row["indicator_id"]: row
        for row in values.values("indicator_id").annotate(
            total=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
        )
    }
    # Stocks: the latest month each unit reported, then that month's value, summed.
    latest_months = (
        values.filter(indicator__aggregation=Aggregation.LATEST, value__isnull=False)
        .values("indicator_id", "report__sub_agreement_id")
        .annotate(last=Max("report__month"))
    )
    condition = Q()
    for row in latest_months:
        condition |= Q(
            indicator_id=row["indicator_id"],
            report__sub_agreement_id=row["report__sub_agreement_id"],
            report__month=row["last"],
        )
    stock = defaultdict(int)
    if condition:
        for indicator_id, value in values.filter(condition).values_list("indicator_id", "value"):
            stock[indicator_id] += value
    targets = {
        t.indicator_id: t.value for t in Target.objects.filter(agreement=plan, year__isnull=True)
    }
    result = []
    for indicator in indicators:
        row = sums.get(indicator.pk)
        achieved: Decimal | None = None
        if indicator.aggregation == Aggregation.LATEST:
            achieved = Decimal(stock[indicator.pk]) if indicator.pk in stock else None
        elif indicator.aggregation == Aggregation.RATIO:
            if row and row["denominator"]:
                achieved = (Decimal(row["numerator"]) / Decimal(row["denominator"]) * 100).quantize(
                    Decimal("0.01")
                )
        elif row and row["total"] is not None:
            achieved = Decimal(row["total"])
        result.append(
            IndicatorAchievement(
                indicator=indicator, achieved=achieved, target=targets.get(indicator.pk)
            )
        )
    return result
