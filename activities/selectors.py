"""Reads for monthly reporting. Each function answers one question with a fixed number of
queries, whatever the number of districts, months or indicators."""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from activities.checks import soft_warnings, soft_warnings_many
from activities.models import REPORT_OBJECT_TYPE, ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator, OrgUnit, Task
from agreements.selectors import (
    former_district_members,
    former_districts,
    sub_agreement_list,
)
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


def _reports_in_scope(scope: UserScope) -> QuerySet[MonthlyReport]:
    queryset = MonthlyReport.objects.select_related(
        "sub_agreement__org_unit", "sub_agreement__parent", "submitted_by", "reviewed_by"
    )
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    return queryset


def report_get(*, pk: int, scope: UserScope) -> MonthlyReport:
    report = _reports_in_scope(scope).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def reports_get(*, pks: Sequence[int], scope: UserScope) -> list[MonthlyReport]:
    """Several reports in the order asked, in one query; 404 if any is unknown or out of
    scope, as report_get."""
    found = {report.pk: report for report in _reports_in_scope(scope).filter(pk__in=pks)}
    if set(pks) - set(found):
        raise Http404
    return [found[pk] for pk in pks]


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
        due = calendar.deadline(sub_agreement, month)
        state = calendar.month_state(
            agreement=sub_agreement,
            month=month,
            status=report.status if report else None,
            submitted_at=report.submitted_at if report else None,
            on=today,
            due=due,
        )
        result.append(MonthStatus(month=month, report=report, deadline=due, state=state))
    return result


# --- The review inbox -------------------------------------------------------------------------

INBOX_PAGE_SIZE = 25
INBOX_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.DRAFT)


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters, as they travel in the URL (so a filtered view can be bookmarked
    and a decision can go on to the next month of the same view)."""

    unit: int | None = None  # a sub-agreement id
    status: str = Status.SUBMITTED
    waited_days: int | None = None  # waiting at least this many days
    warnings: str = ""  # "yes": with soft-check warnings, "no": without, "": either
    # A former district (an OrgUnit id): its own months and those of the communes formed
    # from it, so 130 communes can be reviewed district by district.
    former: int | None = None

    def querystring(self) -> str:
        params = {
            "unit": self.unit or "",
            "status": self.status if self.status != Status.SUBMITTED else "",
            "waited": self.waited_days or "",
            "warnings": self.warnings,
            "former": self.former or "",
        }
        return urlencode({k: v for k, v in params.items() if v})


def parse_id(text: str | None) -> int | None:
    """A database id typed in a form or a URL: ASCII digits that fit an integer, else None."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def _int_or_none(text: str | None) -> int | None:
    """An id or a count from a filter; 0 means no filter."""
    return parse_id(text) or None


def inbox_filters_parse(params: Mapping[str, str]) -> InboxFilters:
    """Filters from a query string; anything malformed is simply not applied."""
    status = params.get("status") or Status.SUBMITTED
    warnings = params.get("warnings") or ""
    return InboxFilters(
        unit=_int_or_none(params.get("unit")),
        status=status if status in INBOX_STATUSES else Status.SUBMITTED,
        waited_days=_int_or_none(params.get("waited")),
        warnings=warnings if warnings in ("yes", "no") else "",
        former=_int_or_none(params.get("former")),
    )


@dataclass(frozen=True)
class InboxRow:
    report: MonthlyReport
    deadline: dt.date
    since: dt.datetime  # waiting since: submitted (or returned, or last saved)
    waiting_days: int
    is_late: bool
    warning_count: int


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    page: Page
    total: int
    filters: InboxFilters


def _since_field(status: str) -> str:
    return {Status.SUBMITTED: "submitted_at", Status.RETURNED: "reviewed_at"}.get(
        status, "updated_at"
    )


def _inbox_queryset(
    *, scope: UserScope, filters: InboxFilters, plan: Agreement | None = None
) -> QuerySet[MonthlyReport]:
    since = _since_field(filters.status)
    queryset = MonthlyReport.objects.filter(status=filters.status).select_related(
        "sub_agreement__org_unit", "sub_agreement__parent", "submitted_by"
    )
    if plan is not None:
        queryset = queryset.filter(sub_agreement__parent=plan)
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    if filters.unit:
        queryset = queryset.filter(sub_agreement_id=filters.unit)
    if filters.former:
        queryset = queryset.filter(
            sub_agreement__org_unit_id__in=former_district_members(filters.former)
        )
    if filters.waited_days:
        cut = timezone.now() - dt.timedelta(days=filters.waited_days)
        queryset = queryset.filter(**{f"{since}__lte": cut})
    return queryset.order_by(F(since).asc(nulls_first=True), "month", "id")


def _inbox_rows(*, scope: UserScope, filters: InboxFilters, plan: Agreement | None = None):
    """Every report the filters select (of one plan, when given), oldest first, with
    warnings when the filter needs them. A fixed number of queries: the reports (one),
    their warnings (two)."""
    reports = list(_inbox_queryset(scope=scope, filters=filters, plan=plan))
    warnings = None
    if filters.warnings:
        warnings = soft_warnings_many(reports=reports)
        wanted = filters.warnings == "yes"
        reports = [r for r in reports if bool(warnings.get(r.pk)) == wanted]
    return reports, warnings


def _inbox_row(report: MonthlyReport, *, status: str, today: dt.date, warnings) -> InboxRow:
    agreement = report.sub_agreement
    due = calendar.deadline(agreement, report.month)
    since = getattr(report, _since_field(status)) or report.updated_at
    state = calendar.month_state(
        agreement=agreement,
        month=report.month,
        status=report.status,
        submitted_at=report.submitted_at,
        on=today,
        due=due,
    )
    late = calendar.is_flagged_late(state, due=due, on=today)
    return InboxRow(
        report=report,
        deadline=due,
        since=since,
        waiting_days=max(0, (today - calendar.local_date(since)).days),
        is_late=late,
        warning_count=len(warnings.get(report.pk, [])),
    )


def inbox_page(
    *,
    scope: UserScope,
    filters: InboxFilters,
    page: str | int | None,
    today: dt.date,
    plan: Agreement | None = None,
) -> InboxPage:
    """One page of the review inbox: the months the filters select, oldest first, each with
    its waiting time, late flag and number of soft-check warnings. At most four queries,
    whatever the number of units."""
    if not scope.can_review:
        return InboxPage([], Paginator([], INBOX_PAGE_SIZE).get_page(1), 0, filters)
    reports, warnings = _inbox_rows(scope=scope, filters=filters, plan=plan)
    current = Paginator(reports, INBOX_PAGE_SIZE).get_page(page)
    if warnings is None:
        warnings = soft_warnings_many(reports=list(current.object_list))
    rows = [
        _inbox_row(report, status=filters.status, today=today, warnings=warnings)
        for report in current.object_list
    ]
    return InboxPage(rows=rows, page=current, total=len(reports), filters=filters)


def inbox_next(
    *,
    scope: UserScope,
    filters: InboxFilters,
    after: MonthlyReport,
    today: dt.date,
    plan: Agreement | None = None,
) -> MonthlyReport | None:
    """The next month to review in the same filtered view, once ``after`` has been decided
    (in the same plan as ``after``, unless another is given)."""
    if not scope.can_review:
        return None
    plan = plan or after.sub_agreement.parent
    reports, _warnings = _inbox_rows(scope=scope, filters=filters, plan=plan)
    return next((r for r in reports if r.pk != after.pk), None)


def former_district_choices(*, scope: UserScope) -> list[OrgUnit]:
    """The former districts of the units the user may read, in Vietnamese order: the
    inbox's "former district" filter. Two queries."""
    units = [sub.org_unit for sub in sub_agreement_list(scope=scope)]
    lines = {line.pk: line for line in former_districts(units).values()}
    return by_unit_name(lines.values(), unit=lambda unit: unit.name)


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


def indicator_names(*, plan_id: int | None) -> dict[str, str]:
    """Indicator code → name in the page's language, for pages that show stored changes
    (history, audit trail), which name indicators by code. One query; every plan's
    indicators when ``plan_id`` is None."""
    indicators = Indicator.objects.only("code", "name", "name_en")
    if plan_id is not None:
        indicators = indicators.filter(plan_id=plan_id)
    language = get_language()
    return {i.code: i.display_name(language) for i in indicators}


@dataclass(frozen=True)
class ReviewFacts:
    """What a reviewer weighs beside the figures: the deadline, whether the month came late,
    and the unusual figures with their explanations."""

    deadline: dt.date
    state: str
    is_late: bool
    warnings: list


def report_review_facts(*, report: MonthlyReport, today: dt.date) -> ReviewFacts:
    agreement = report.sub_agreement
    due = calendar.deadline(agreement, report.month)
    state = calendar.month_state(
        agreement=agreement,
        month=report.month,
        status=report.status,
        submitted_at=report.submitted_at,
        on=today,
        due=due,
    )
    return ReviewFacts(
        deadline=due,
        state=state,
        is_late=calendar.is_flagged_late(state, due=due, on=today),
        warnings=soft_warnings(report=report),
    )


def plan_has_sample_data(*, plan: Agreement | None) -> bool:
    """Whether any month of the plan is sample (demo) data: pages where leadership reads
    figures then say so on top. One query."""
    if plan is None:
        return False
    return MonthlyReport.objects.filter(sub_agreement__parent=plan, is_sample=True).exists()
