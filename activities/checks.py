"""Soft checks: figures that are allowed but unusual. The district may submit them only with a
comment explaining why, so reviewers do not have to guess (DESIGN.md, "Validation")."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Indicator
from core.calendar import add_months
from core.numbers import figure

SPIKE_FACTOR = 3
HISTORY_MONTHS = 12


@dataclass(frozen=True)
class SoftWarning:
    indicator: Indicator
    message: str
    explained: bool


def soft_warnings(*, report: MonthlyReport) -> list[SoftWarning]:
    """Unusual values in this report against the unit's previous 12 months. Two queries."""
    return soft_warnings_many(reports=[report]).get(report.pk, [])


def soft_warnings_many(*, reports: list[MonthlyReport]) -> dict[int, list[SoftWarning]]:
    """Soft warnings of many reports at once (the review inbox): two queries, whatever the
    number of reports."""
    if not reports:
        return {}
    by_id = {report.pk: report for report in reports}
    current: dict[int, list[ActivityValue]] = defaultdict(list)
    for value in ActivityValue.objects.filter(report_id__in=list(by_id)).select_related(
        "indicator"
    ):
        current[value.report_id].append(value)
    if not current:
        return {}
    months = [report.month for report in reports]
    history: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for sub_id, indicator_id, month, value in (
        ActivityValue.objects.filter(
            report__sub_agreement_id__in={r.sub_agreement_id for r in reports},
            report__month__gte=add_months(min(months), -HISTORY_MONTHS),
            report__month__lt=max(months),
            value__isnull=False,
        )
        .order_by("report__month")
        .values_list("report__sub_agreement_id", "indicator_id", "report__month", "value")
    ):
        history[sub_id][indicator_id].append((month, value))
    result = {}
    for report_id, values in current.items():
        report = by_id[report_id]
        first = add_months(report.month, -HISTORY_MONTHS)
        result[report_id] = _warnings(
            report=report,
            values=values,
            history={
                indicator_id: [(m, v) for m, v in past if first <= m < report.month]
                for indicator_id, past in history[report.sub_agreement_id].items()
            },
        )
    return result


def _warnings(
    *, report: MonthlyReport, values: list[ActivityValue], history: dict[int, list[tuple]]
) -> list[SoftWarning]:
    warnings = []
    previous_month = add_months(report.month, -1)
    for entry in values:
        indicator, past = entry.indicator, history.get(entry.indicator_id, [])
        if entry.value is None or not past:
            continue
        explained = bool(entry.comment.strip())
        if indicator.aggregation == Indicator.Aggregation.LATEST:
            last_month, last_value = past[-1]
            if last_month == previous_month and entry.value < last_value:
                warnings.append(
                    SoftWarning(
                        indicator,
                        _(
                            "%(indicator)s: %(value)s is lower than last month (%(previous)s), "
                            "but it counts a total to date. Explain in the comment."
                        )
                        % {
                            "indicator": indicator.display_name(get_language()),
                            "value": figure(entry.value),
                            "previous": figure(last_value),
                        },
                        explained,
                    )
                )
        elif indicator.aggregation == Indicator.Aggregation.SUM:
            median = statistics.median(value for _month, value in past)
            if median > 0 and entry.value > SPIKE_FACTOR * median:
                warnings.append(
                    SoftWarning(
                        indicator,
                        _(
                            "%(indicator)s: %(value)s is more than %(factor)s times the usual "
                            "monthly figure (median %(median)s). Explain in the comment."
                        )
                        % {
                            "indicator": indicator.display_name(get_language()),
                            "value": figure(entry.value),
                            "factor": SPIKE_FACTOR,
                            "median": figure(median, None),
                        },
                        explained,
                    )
                )
    return warnings
