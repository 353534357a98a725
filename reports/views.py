"""Progress dashboards. Thin views: parse the URL filters (scope applied there and in every
selector), call the selectors, draw the charts, render. A district user only ever gets their
own district: the province page sends them to it, any other district is a 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from activities.selectors import plan_has_sample_data
from agreements.models import Agreement, Indicator, Task
from agreements.selectors import (
    request_plan,
    request_plan_param,
    request_scope,
    sub_agreement_list,
)
from core.calendar import period_choices
from core.text import by_unit_name
from reports import charts, exports, selectors
from reports.filters import DashboardFilters, filters_parse

SORT_KEYS_FIXED = ("name", "status", "completeness", "timeliness")


def _plan(request: HttpRequest) -> Agreement:
    plan = request_plan(request)
    if plan is None:
        raise Http404
    return plan


def _task_sections(report: selectors.ProgressReport) -> list[dict]:
    return [
        {
            "task": group.task,
            "rows": group.rows,
            "chart": charts.progress_chart(
                title=_("Task %(order)s: achieved as %% of target") % {"order": group.task.order},
                rows=group.rows,
            ),
        }
        for group in report.tasks
    ]


def _sort_headers(filters: DashboardFilters, keys: list[str]) -> dict[str, dict]:
    """For each sortable column: the link that sorts by it (toggling direction) and its
    current aria-sort value."""
    headers = {}
    for key in keys:
        if filters.sort == key:
            next_sort, aria = f"-{key}", "ascending"
        elif filters.sort == f"-{key}":
            next_sort, aria = key, "descending"
        else:
            next_sort, aria = key, ""
        headers[key] = {"url": filters.query(sort=next_sort) + "#districts", "aria": aria}
    return headers


def _common(
    request: HttpRequest, plan: Agreement, filters: DashboardFilters, *, action: str = ""
) -> dict:
    scope = request_scope(request)
    return {
        # The filter form goes to the province page, which sends a district filter on to the
        # district's page (and a district user to their own); the indicator page keeps it.
        "filter_action": action or reverse("reports:province"),
        "province_query": filters.query(district=""),
        "plan": plan,
        "filters": filters,
        "periods": period_choices(plan=plan),
        "tasks": list(Task.objects.filter(agreement=plan).order_by("order")),
        **_district_choices(scope, plan),
        "status_labels": selectors.STATUS_LABELS,
        "cell_labels": selectors.CELL_LABELS,
        # Demo figures are labelled where leadership reads them (the banner in base.html).
        "sample_data": plan_has_sample_data(plan=plan),
    }


# A filter list names the units only while it stays short; beyond, the filter is a search
# by name (a province of 3.300 units would otherwise send every name with every page).
FILTER_LIST_MAX = 30
# The province page shows the units furthest behind and furthest ahead; every unit is on
# the units page (paginated) and in its downloads.
EXTREMES_SHOWN = 5
PAGE_SIZE = 50


def _district_choices(scope, plan: Agreement) -> dict:
    units = sub_agreement_list(scope=scope).filter(parent=plan)
    listed = list(units.order_by("org_unit__name")[: FILTER_LIST_MAX + 1])
    if len(listed) > FILTER_LIST_MAX:
        return {"districts": [], "district_search": True}
    return {"districts": by_unit_name(listed), "district_search": False}


def _ranked(rows) -> list:
    """Rows from furthest behind to furthest ahead: by status, then by the mean of their
    cells' percent of expected."""

    def key(row):
        shown = [c.percent_of_expected for c in row.cells if c.percent_of_expected is not None]
        mean = sum(shown) / len(shown) if shown else -1
        return (selectors.STATUS_ORDER[row.status], mean, row.sub_agreement.org_unit.name)

    return sorted(rows, key=key)


def _unit_search(request: HttpRequest, plan: Agreement, filters: DashboardFilters):
    """The filter's name search: one match opens its dashboard, several the units page
    filtered by the name."""
    text = request.GET.get("unit", "").strip()[:100]
    if not text:
        return None
    matches = list(
        sub_agreement_list(scope=request_scope(request))
        .filter(parent=plan, org_unit__name__icontains=text)
        .values_list("pk", flat=True)[:2]
    )
    if len(matches) == 1:
        return redirect(reverse("reports:district", args=[matches[0]]) + filters.query())
    return redirect(reverse("reports:units") + filters.query(q=text))


@login_required
@require_safe
def province(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    plan = _plan(request)
    filters = filters_parse(
        request.GET, plan=plan, scope=scope, plan_param=request_plan_param(request)
    )
    if filters.district is not None or not scope.sees_all:
        # A district filter, or a district user: the district's own dashboard.
        district = filters.district
        if district is None:
            district = sub_agreement_list(scope=scope).filter(parent=plan).first()
            if district is None:
                raise Http404
        url = reverse("reports:district", args=[district.pk])
        return redirect(url + filters.query(district=""))
    if (found := _unit_search(request, plan, filters)) is not None:
        return found
    report = selectors.province_progress(
        plan=plan,
        period=filters.period,
        scope=scope,
        include_provisional=filters.include_provisional,
        task=filters.task,
    )
    grid = selectors.completeness_grid(plan=plan, period=filters.period, scope=scope)
    comparison = selectors.district_comparison(
        plan=plan,
        period=filters.period,
        scope=scope,
        include_provisional=filters.include_provisional,
        task=filters.task,
        sort=filters.sort,
        grid=grid,
        grouping=filters.grouping,
    )
    trends = selectors.indicator_trends(
        plan=plan,
        period=filters.period,
        scope=scope,
        indicators=[row.indicator for row in report.rows],
        include_provisional=filters.include_provisional,
    )
    context = _common(request, plan, filters)
    sort_keys = [*SORT_KEYS_FIXED, *(i.code for i in comparison.indicators)]
    context.update(
        report=report,
        trends=trends,
        sections=_task_sections(report),
        comparison=comparison,
        # Across the 2025 reform: each unit, or a district with the communes formed from it.
        grouping_links=[
            (selectors.BY_UNIT, _("Each unit"), filters.query(group="")),
            (
                selectors.BY_FORMER_DISTRICT,
                _("By former district (a district with the communes formed from it)"),
                filters.query(group=selectors.BY_FORMER_DISTRICT),
            ),
        ]
        if scope.sees_all
        else [],
        sort_headers=_sort_headers(filters, sort_keys),
        grid=grid,
        **_extremes(comparison),
        units_url=reverse("reports:units") + filters.query(),
        grid_url=reverse("reports:grid") + filters.query(),
        # Which indicators need attention, named in the summary so one screen answers it.
        attention=[
            (status, rows)
            for status in (selectors.BEHIND, selectors.AT_RISK)
            if (rows := [row for row in report.rows if row.status == status])
        ],
    )
    return render(request, "reports/province.html", context)


def _extremes(comparison: selectors.DistrictComparison) -> dict:
    """The province page's part of the district table: a fixed number of lines whatever the
    number of units (the furthest behind, the furthest ahead), and how many are behind."""
    ranked = _ranked(comparison.rows)
    behind = [row for row in ranked if row.status == selectors.BEHIND]
    if len(ranked) <= 2 * EXTREMES_SHOWN:
        worst, best = list(comparison.rows), []  # all of them, in the order asked for
    else:
        worst, best = ranked[:EXTREMES_SHOWN], ranked[-EXTREMES_SHOWN:][::-1]
    return {
        "comparison_rows": worst,
        "best_rows": best,
        "unit_count": len(ranked),
        "behind_count": len(behind),
        "behind_districts": behind[:EXTREMES_SHOWN],
    }


def _page(request: HttpRequest, rows) -> tuple:
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return page, paginator


@login_required
@require_safe
def units(request: HttpRequest) -> HttpResponse:
    """Every unit (or former district) against its own targets: the whole district table,
    sorted on the server by any column, filtered by name (``q``), paginated, with CSV and
    xlsx downloads of all its lines (``?format=csv`` / ``xlsx``)."""
    scope = request_scope(request)
    plan = _plan(request)
    filters = filters_parse(
        request.GET, plan=plan, scope=scope, plan_param=request_plan_param(request)
    )
    comparison = selectors.district_comparison(
        plan=plan,
        period=filters.period,
        scope=scope,
        include_provisional=filters.include_provisional,
        task=filters.task,
        sort=filters.sort,
        grouping=filters.grouping,
    )
    search = request.GET.get("q", "").strip()[:100]
    rows = list(comparison.rows)
    if search:
        needle = search.casefold()
        rows = [row for row in rows if needle in row.sub_agreement.org_unit.name.casefold()]
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        return exports.comparison_download(comparison=comparison, rows=rows, kind=export)
    page, paginator = _page(request, rows)
    context = _common(request, plan, filters, action=request.path)
    sort_keys = [*SORT_KEYS_FIXED, *(i.code for i in comparison.indicators)]
    extra = {"q": search} if search else {}
    context.update(
        comparison=comparison,
        comparison_rows=page.object_list,
        page=page,
        paginator=paginator,
        search=search,
        sort_headers=_sort_headers(filters, sort_keys),
        page_query=filters.query(**extra),
        download_csv=filters.query(format="csv", **extra),
        download_xlsx=filters.query(format="xlsx", **extra),
        grouping_links=[
            (selectors.BY_UNIT, _("Each unit"), filters.query(group="")),
            (
                selectors.BY_FORMER_DISTRICT,
                _("By former district (a district with the communes formed from it)"),
                filters.query(group=selectors.BY_FORMER_DISTRICT),
            ),
        ]
        if scope.sees_all
        else [],
    )
    return render(request, "reports/units.html", context)


@login_required
@require_safe
def grid(request: HttpRequest) -> HttpResponse:
    """The whole unit × month completeness grid, paginated by units."""
    scope = request_scope(request)
    plan = _plan(request)
    filters = filters_parse(
        request.GET, plan=plan, scope=scope, plan_param=request_plan_param(request)
    )
    full = selectors.completeness_grid(plan=plan, period=filters.period, scope=scope)
    page, paginator = _page(request, list(full.rows))
    context = _common(request, plan, filters, action=request.path)
    context.update(
        grid=full,
        grid_rows=page.object_list,
        page=page,
        paginator=paginator,
        page_query=filters.query(),
    )
    return render(request, "reports/grid.html", context)


@login_required
@require_safe
def district(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    plan = _plan(request)
    sub_agreement = selectors.district_get(plan=plan, pk=sub_agreement_id, scope=scope)
    filters = filters_parse(
        request.GET, plan=plan, scope=scope, plan_param=request_plan_param(request)
    )
    if filters.district is not None and filters.district.pk != sub_agreement.pk:
        url = reverse("reports:district", args=[filters.district.pk])
        return redirect(url + filters.query(district=""))
    filters = DashboardFilters(
        period=filters.period,
        task=filters.task,
        district=sub_agreement,
        include_provisional=filters.include_provisional,
        sort=filters.sort,
        period_invalid=filters.period_invalid,
        plan_code=filters.plan_code,
    )
    report = selectors.province_progress(
        plan=plan,
        period=filters.period,
        scope=scope,
        include_provisional=filters.include_provisional,
        task=filters.task,
        district=sub_agreement,
    )
    grid = selectors.completeness_grid(
        plan=plan, period=filters.period, scope=scope, district=sub_agreement
    )
    trends = selectors.indicator_trends(
        plan=plan,
        period=filters.period,
        scope=scope,
        indicators=[row.indicator for row in report.rows],
        district=sub_agreement,
        include_provisional=filters.include_provisional,
    )
    context = _common(request, plan, filters)
    context.update(
        sub_agreement=sub_agreement,
        report=report,
        trends=trends,
        sections=_task_sections(report),
        grid=grid,
        grid_row=grid.rows[0] if grid.rows else None,
        owed=selectors.district_due(sub_agreement=sub_agreement),
        can_edit=scope.can_edit_unit(sub_agreement.org_unit_id),
    )
    return render(request, "reports/district.html", context)


@login_required
@require_safe
def indicator(request: HttpRequest, code: str) -> HttpResponse:
    """One indicator: its trend (province, or the district filtered) and every district
    against its own target — the drill-down from an indicator to the districts."""
    scope = request_scope(request)
    plan = _plan(request)
    if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query (a 500)
        raise Http404
    item = Indicator.objects.filter(plan=plan, code=code).select_related("task").first()
    if item is None:
        raise Http404
    filters = filters_parse(
        request.GET, plan=plan, scope=scope, plan_param=request_plan_param(request)
    )
    district = filters.district
    if district is None and not scope.sees_all:
        district = sub_agreement_list(scope=scope).filter(parent=plan).first()
        if district is None:
            raise Http404
    trend = selectors.indicator_trend(
        plan=plan,
        indicator=item,
        period=filters.period,
        scope=scope,
        district=district,
        include_provisional=filters.include_provisional,
    )
    sort = filters.sort if filters.sort.lstrip("-") in (*SORT_KEYS_FIXED, code) else "status"
    comparison = selectors.district_comparison(
        plan=plan,
        period=filters.period,
        scope=scope,
        include_provisional=filters.include_provisional,
        indicator_codes=[code],
        sort=sort,
    )
    where = district.org_unit.name if district else plan.org_unit.name
    context = _common(request, plan, filters, action=request.path)
    context.update(
        indicator=item,
        district=district,
        trend=trend,
        trend_points=list(reversed(trend.points)),
        trend_svg=charts.trend_chart(
            title=_("%(indicator)s — %(where)s, by month")
            % {"indicator": item.display_name(get_language()), "where": where},
            trend=trend,
        ),
        comparison=comparison,
        comparison_rows=(page := _page(request, list(comparison.rows))[0]).object_list,
        page=page,
        page_query=filters.query(),
        sort_headers=_sort_headers(filters, [*SORT_KEYS_FIXED, code]),
        decimals=1 if item.is_ratio else 0,
    )
    return render(request, "reports/indicator.html", context)
