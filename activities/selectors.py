"""Reads for monthly reporting. Each function answers one question with a fixed number of
queries, whatever the number of districts, months or indicators."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from activities.models import REPORT_OBJECT_TYPE, ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator, Task
from agreements.selectors import sub_agreement_list
from audit.models import AuditEvent
from core import calendar
from core.calendar import add_months
from core.scope import UserScope
from core.text import by_unit_name

Status = MonthlyReport.Status


def sub_agreement_get(*, pk: int, scope: UserScope) -> Agreement:
    """The sub-agreement, or 404 when it does not exist *or* the user may not see it: a 403
    would tell an officer that another district's id exists."""
    agreement = sub_agreement_list(scope=scope).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


def report_get(*, pk: int, scope: UserScope) -> MonthlyReport:
    queryset = MonthlyReport.objects.select_related(
        "sub_agreement__org_unit", "sub_agreement__parent", "submitted_by", "reviewed_by"
    )
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    report = queryset.filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


@dataclass(frozen=True)
class EntryRow:
    indicator: Indicator
    value: ActivityValue | None
    last_month: ActivityValue | None
    year_to_date: int | None
    year_to_date_ratio: tuple[int, int] | None = None


@dataclass(frozen=True)
class EntryGroup:
    task: Task
    rows: list[EntryRow] = field(default_factory=list)


def entry_rows(
    *, report: MonthlyReport | None, sub_agreement: Agreement, month: dt.date
) -> list[EntryGroup]:
    """Indicators grouped by task, with this month's value, last month's and the year so far
    (months of this year before this one). Four queries, whatever the number of indicators."""
    indicators = list(
        Indicator.objects.filter(plan_id=sub_agreement.parent_id)
        .select_related("task")
        .order_by("task__order", "order", "code")
    )
    current = {}
    if report is not None:
        current = {v.indicator_id: v for v in ActivityValue.objects.filter(report=report)}
    previous = add_months(month, -1)
    earlier = list(
        ActivityValue.objects.filter(
            report__sub_agreement=sub_agreement,
            report__month__gte=dt.date(month.year, 1, 1),
            report__month__lt=month,
        )
        .order_by("report__month")
        .values("indicator_id", "report__month", "value", "numerator", "denominator")
    )
    last_month_values = {
        v.indicator_id: v
        for v in ActivityValue.objects.filter(
            report__sub_agreement=sub_agreement, report__month=previous
        )
    }
    totals: dict[int, int] = defaultdict(int)
    latest: dict[int, int] = {}
    ratio: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in earlier:
        if row["value"] is not None:
            totals[row["indicator_id"]] += row["value"]
            latest[row["indicator_id"]] = row["value"]
        if row["numerator"] is not None and row["denominator"] is not None:
            ratio[row["indicator_id"]][0] += row["numerator"]
            ratio[row["indicator_id"]][1] += row["denominator"]
    groups: dict[int, EntryGroup] = {}
    for indicator in indicators:
        group = groups.setdefault(indicator.task_id, EntryGroup(task=indicator.task))
        if indicator.aggregation == Indicator.Aggregation.RATIO:
            ytd, ytd_ratio = None, tuple(ratio[indicator.pk]) if indicator.pk in ratio else None
        elif indicator.aggregation == Indicator.Aggregation.LATEST:
            ytd, ytd_ratio = latest.get(indicator.pk), None
        else:
            ytd, ytd_ratio = totals.get(indicator.pk), None
        group.rows.append(
            EntryRow(
                indicator=indicator,
                value=current.get(indicator.pk),
                last_month=last_month_values.get(indicator.pk),
                year_to_date=ytd,
                year_to_date_ratio=ytd_ratio,
            )
        )
    return list(groups.values())


def report_events(*, report: MonthlyReport) -> QuerySet[AuditEvent]:
    """Every audit event about one month (the trail names it by type and id, not a key)."""
    return AuditEvent.objects.about(REPORT_OBJECT_TYPE, report.pk)


def report_history(*, report: MonthlyReport) -> QuerySet[AuditEvent]:
    return report_events(report=report).select_related("actor").order_by("-at", "-id")


@dataclass(frozen=True)
class MonthStatus:
    month: dt.date
    report: MonthlyReport | None
    deadline: dt.date
    state: str  # core.calendar's month state

    @property
    def status(self) -> str:
        return self.report.status if self.report else "missing"

    @property
    def is_late(self) -> bool:
        return self.state in (calendar.LATE, calendar.MISSING)


def sub_agreement_months(*, sub_agreement: Agreement, today: dt.date) -> list[MonthStatus]:
    """Every reportable month of one sub-agreement up to the one in progress, newest first,
    with its report if any and its state by the calendar's one rule."""
    reports = {r.month: r for r in MonthlyReport.objects.filter(sub_agreement=sub_agreement)}
    result = []
    for month in reversed(calendar.reporting_months(sub_agreement, on=today)):
        report = reports.get(month)
        state = calendar.month_state(
            agreement=sub_agreement,
            month=month,
            status=report.status if report else None,
            submitted_at=report.submitted_at if report else None,
            on=today,
        )
        result.append(
            MonthStatus(
                month=month,
                report=report,
                deadline=calendar.deadline(sub_agreement, month),
                state=state,
            )
        )
    return result


def review_inbox(*, scope: UserScope, plan: Agreement | None = None) -> list[MonthlyReport]:
    """Months waiting for review (of one plan, when given), oldest submission first."""
    if not scope.can_review:
        return []
    reports = MonthlyReport.objects.filter(status=Status.SUBMITTED)
    if plan is not None:
        reports = reports.filter(sub_agreement__parent=plan)
    return list(
        reports.select_related("sub_agreement__org_unit", "submitted_by").order_by(
            "submitted_at", "month"
        )
    )


@dataclass(frozen=True)
class LateUnit:
    sub_agreement: Agreement
    overdue_months: list[dt.date]


def late_units(
    *, scope: UserScope, today: dt.date, plan: Agreement | None = None
) -> list[LateUnit]:
    """Units (of one plan, when given) with months past their deadline that are not
    submitted or approved (the calendar's "missing"), most overdue first, then in
    Vietnamese order. Two queries."""
    agreements = sub_agreement_list(scope=scope)
    if plan is not None:
        agreements = agreements.filter(parent=plan)
    agreements = by_unit_name(agreements)
    statuses: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for agreement_id, month, status in MonthlyReport.objects.filter(
        sub_agreement__in=agreements
    ).values_list("sub_agreement_id", "month", "status"):
        statuses[agreement_id][month] = status
    result = []
    for agreement in agreements:
        overdue = [
            month
            for month in calendar.reporting_months(agreement, on=today)
            if calendar.is_overdue(
                calendar.month_state(
                    agreement=agreement,
                    month=month,
                    status=statuses[agreement.pk].get(month),
                    submitted_at=None,
                    on=today,
                )
            )
        ]
        if overdue:
            result.append(LateUnit(sub_agreement=agreement, overdue_months=overdue))
    result.sort(key=lambda unit: -len(unit.overdue_months))
    return result


def approved_values() -> QuerySet[ActivityValue]:
    """Official figures (approved months only) in the order every export uses: district,
    month, then the plan's task and indicator order."""
    return (
        ActivityValue.objects.filter(report__status=Status.APPROVED)
        .select_related("report__sub_agreement__org_unit", "indicator__task")
        .order_by(
            "report__sub_agreement__org_unit__name",
            "report__month",
            "indicator__task__order",
            "indicator__order",
            "indicator__code",
        )
    )
