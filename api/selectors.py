"""Reads the API adds to the apps' own selectors: lists with filters and pagination, each a
fixed number of queries whatever the page size or the data (asserted at two sizes). Scope
is an argument, applied here, through ``sub_agreement_list`` like every page."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agreement, Baseline, OrgUnit, Target, UnitSuccession
from agreements.selectors import current_plan, sub_agreement_list
from core.calendar import Period
from core.scope import UserScope

MAX_LIMIT = 200


@dataclass(frozen=True)
class PageOf:
    items: list
    count: int
    limit: int
    offset: int


def _page(queryset: QuerySet, *, limit: int, offset: int) -> PageOf:
    """One COUNT and one SELECT (plus the queryset's prefetches), whatever the page size."""
    limit = max(1, min(limit, MAX_LIMIT))
    return PageOf(
        items=list(queryset[offset : offset + limit]),
        count=queryset.count(),
        limit=limit,
        offset=offset,
    )


def plan_list(*, scope: UserScope) -> list[Agreement]:
    """Provincial plans; drafts only for those who manage plans."""
    queryset = Agreement.objects.filter(parent__isnull=True)
    if not scope.can_manage:
        queryset = queryset.exclude(status=Agreement.Status.DRAFT)
    return list(queryset.order_by("-start_date", "pk"))


def plan_get(*, pk: int | None, scope: UserScope) -> Agreement:
    """The plan with this id (404 when absent or a draft the caller may not see), or the
    plan in force when no id is given."""
    if pk is None:
        plan = current_plan()
    else:
        plan = next((p for p in plan_list(scope=scope) if p.pk == pk), None)
    if plan is None:
        raise Http404
    return plan


def unit_list(
    *, kind: str | None = None, valid_on: dt.date | None = None, limit: int, offset: int
) -> PageOf:
    """Units with their dated successors and predecessors (reference data: the map of the
    province, the same for every caller). Four queries."""
    queryset = OrgUnit.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    if valid_on:
        queryset = queryset.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=valid_on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_on),
        )
    queryset = queryset.order_by("code", "pk").prefetch_related(
        Prefetch(
            "succession_links",
            queryset=UnitSuccession.objects.select_related("successor").order_by("on", "pk"),
        ),
        Prefetch(
            "predecession_links",
            queryset=UnitSuccession.objects.select_related("predecessor").order_by("on", "pk"),
        ),
    )
    return _page(queryset, limit=limit, offset=offset)


def sub_agreements(
    *, scope: UserScope, plan: Agreement, unit_id: int | None, limit: int, offset: int
) -> PageOf:
    queryset = sub_agreement_list(scope=scope).filter(parent=plan)
    if unit_id is not None:
        queryset = queryset.filter(org_unit_id=unit_id)
    return _page(queryset.order_by("org_unit__code", "pk"), limit=limit, offset=offset)


def _readable_agreements(*, scope: UserScope, plan: Agreement) -> Q:
    """The plan itself (its targets are in the signed plan every party holds) and the
    sub-agreements the caller may read."""
    return Q(agreement=plan) | Q(agreement__in=sub_agreement_list(scope=scope).filter(parent=plan))


def target_list(
    *,
    scope: UserScope,
    plan: Agreement,
    sub_agreement_id: int | None,
    year: int | None,
    limit: int,
    offset: int,
) -> PageOf:
    queryset = Target.objects.filter(_readable_agreements(scope=scope, plan=plan))
    if sub_agreement_id is not None:
        queryset = queryset.filter(agreement_id=sub_agreement_id)
    if year is not None:
        queryset = queryset.filter(year=year)
    queryset = queryset.select_related("indicator").order_by(
        "agreement_id", "indicator__task__order", "indicator__order", "year", "pk"
    )
    return _page(queryset, limit=limit, offset=offset)


def baseline_list(
    *, scope: UserScope, plan: Agreement, sub_agreement_id: int | None, limit: int, offset: int
) -> PageOf:
    queryset = Baseline.objects.filter(_readable_agreements(scope=scope, plan=plan))
    if sub_agreement_id is not None:
        queryset = queryset.filter(agreement_id=sub_agreement_id)
    queryset = queryset.select_related("indicator").order_by(
        "agreement_id", "indicator__task__order", "indicator__order", "pk"
    )
    return _page(queryset, limit=limit, offset=offset)


def _reports(scope: UserScope) -> QuerySet[MonthlyReport]:
    queryset = MonthlyReport.objects.select_related("sub_agreement__org_unit").prefetch_related(
        Prefetch("values", queryset=ActivityValue.objects.select_related("indicator"))
    )
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    return queryset


def report_list(
    *,
    scope: UserScope,
    plan: Agreement,
    period: Period | None,
    sub_agreement_id: int | None,
    unit_id: int | None,
    status: str | None,
    limit: int,
    offset: int,
) -> PageOf:
    """Monthly reports with their figures, newest month first. Three queries."""
    queryset = _reports(scope).filter(sub_agreement__parent=plan)
    if period is not None:
        queryset = queryset.filter(month__gte=period.first_month, month__lte=period.last_month)
    if sub_agreement_id is not None:
        queryset = queryset.filter(sub_agreement_id=sub_agreement_id)
    if unit_id is not None:
        queryset = queryset.filter(sub_agreement__org_unit_id=unit_id)
    if status:
        queryset = queryset.filter(status=status)
    queryset = queryset.order_by("-month", "sub_agreement__org_unit__code", "pk")
    return _page(queryset, limit=limit, offset=offset)


def report_detail(*, pk: int, scope: UserScope) -> MonthlyReport:
    """One report with its figures; 404 when absent or outside the scope."""
    report = _reports(scope).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def report_for_month(*, sub_agreement: Agreement, month: dt.date) -> MonthlyReport | None:
    """The month's report if it has one (the caller has already scoped the sub-agreement);
    the write path locks it again itself."""
    return MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month).first()
