"""The open API, /api/v1/. Thin views: parse, apply the caller's scope through the apps'
selectors and services (the same the pages use), present. Another district's object is a
404, as in the pages; a wrong role a 403."""

import datetime as dt
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, NinjaAPI, Query
from ninja.openapi.docs import Swagger

from activities import selectors as activity_selectors
from activities import services
from activities.services import ValueInput, figure_errors
from agreements.models import Agreement, Indicator, OrgUnit, Task
from agreements.selectors import indicator_list
from api import errors, present, schemas
from api import selectors as api_selectors
from api.auth import ApiCaller, CallerRateThrottle, PortalSession, TokenAuth
from api.errors import COMMON_ERRORS, ApiError, ErrorOut
from audit.services import audit_via
from core import calendar
from core.calendar import parse_month_key, period_parse
from reports import selectors as report_selectors
from reports.results import BY_FORMER_DISTRICT, BY_UNIT

api = NinjaAPI(
    title="Hợp tác API",
    version="1",
    description=(
        "Đọc kế hoạch, chỉ tiêu, đơn vị, báo cáo tháng và số liệu tiến độ (cùng số liệu với "
        "trang tiến độ và báo cáo PDF); gửi, duyệt, trả lại báo cáo tháng. Xác thực: "
        "`Authorization: Bearer <mã truy cập>` (quản trị viên cấp) hoặc phiên đăng nhập."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), PortalSession()],
    throttle=[CallerRateThrottle()],
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

Limit = Query(50, ge=1, le=api_selectors.MAX_LIMIT)
Offset = Query(0, ge=0, le=10**9)
PeriodKey = Query(
    None, pattern=schemas.PERIOD_PATTERN, description="2024-03, 2024-Q1, 2024-H1, 2024, plan"
)
OptionalId = Query(None, ge=1, le=schemas.MAX_ID)


def _caller(request: HttpRequest) -> ApiCaller:
    return request.auth


def _page(page: api_selectors.PageOf, present_item) -> dict:
    return {
        "count": page.count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [present_item(item) for item in page.items],
    }


def _period(plan: Agreement, key: str | None):
    period = period_parse(key, plan=plan)
    if period is None:
        raise ApiError(422, [("invalid_period", _("Unknown period."), "period")])
    return period


def _sub_agreement(pk: int, caller: ApiCaller) -> Agreement:
    return activity_selectors.sub_agreement_get(pk=pk, scope=caller.scope)


def _unit_filter(pk: int | None, caller: ApiCaller) -> int | None:
    # Another district named in a filter is a 404, as on the pages, not an empty list.
    if pk is not None and not caller.scope.can_read_unit(pk):
        raise Http404
    return pk


# --- The plan and its reference data --------------------------------------------------------


@api.get("/plans", response={200: list[schemas.PlanOut], **COMMON_ERRORS}, tags=["plan"])
def plan_list(request):
    """Provincial plans (drafts only for provincial staff and admins)."""
    return [present.plan(p) for p in api_selectors.plan_list(scope=_caller(request).scope)]


@api.get("/plans/{plan_id}", response={200: schemas.PlanOut, **COMMON_ERRORS}, tags=["plan"])
def plan_detail(request, plan_id: schemas.Id):
    return present.plan(api_selectors.plan_get(pk=plan_id, scope=_caller(request).scope))


@api.get(
    "/plans/{plan_id}/tasks", response={200: list[schemas.TaskOut], **COMMON_ERRORS}, tags=["plan"]
)
def task_list(request, plan_id: schemas.Id):
    plan = api_selectors.plan_get(pk=plan_id, scope=_caller(request).scope)
    return [
        {"id": t.pk, "order": t.order, "name": t.name}
        for t in Task.objects.filter(agreement=plan).order_by("order")
    ]


@api.get(
    "/plans/{plan_id}/indicators",
    response={200: list[schemas.IndicatorOut], **COMMON_ERRORS},
    tags=["plan"],
)
def indicators(request, plan_id: schemas.Id):
    plan = api_selectors.plan_get(pk=plan_id, scope=_caller(request).scope)
    return [
        {
            "id": i.pk,
            "code": i.code,
            "name": i.name,
            "name_en": i.name_en,
            "unit": i.unit,
            "aggregation": i.aggregation,
            "task_order": i.task.order,
            "numerator_label": i.numerator_label,
            "denominator_label": i.denominator_label,
            "order": i.order,
        }
        for i in indicator_list(plan=plan)
    ]


@api.get("/units", response={200: schemas.UnitPage, **COMMON_ERRORS}, tags=["plan"])
def unit_list(
    request,
    kind: OrgUnit.Kind | None = None,
    valid_on: dt.date | None = None,
    limit: int = Limit,
    offset: int = Offset,
):
    """Units with their validity and dated successors/predecessors (the 2025 reform)."""
    page = api_selectors.unit_list(kind=kind, valid_on=valid_on, limit=limit, offset=offset)
    return _page(page, present.unit)


@api.get(
    "/sub-agreements", response={200: schemas.SubAgreementPage, **COMMON_ERRORS}, tags=["plan"]
)
def sub_agreement_list(
    request,
    plan: int | None = OptionalId,
    unit: int | None = OptionalId,
    limit: int = Limit,
    offset: int = Offset,
):
    """The sub-agreements the caller may read (a district system: its own)."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    page = api_selectors.sub_agreements(
        scope=caller.scope,
        plan=the_plan,
        unit_id=_unit_filter(unit, caller),
        limit=limit,
        offset=offset,
    )
    return _page(page, present.sub_agreement)


@api.get(
    "/sub-agreements/{sub_agreement_id}",
    response={200: schemas.SubAgreementOut, **COMMON_ERRORS},
    tags=["plan"],
)
def sub_agreement_detail(request, sub_agreement_id: schemas.Id):
    return present.sub_agreement(_sub_agreement(sub_agreement_id, _caller(request)))


@api.get("/targets", response={200: schemas.TargetPage, **COMMON_ERRORS}, tags=["plan"])
def target_list(
    request,
    plan: int | None = OptionalId,
    sub_agreement: int | None = OptionalId,
    year: int | None = Query(None, ge=2000, le=2100),
    limit: int = Limit,
    offset: int = Offset,
):
    """Targets of the plan and of the sub-agreements the caller may read; ``year`` empty
    in a row means the whole plan. Ratio targets are percentages."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    if sub_agreement is not None:
        _sub_agreement(sub_agreement, caller)
    page = api_selectors.target_list(
        scope=caller.scope,
        plan=the_plan,
        sub_agreement_id=sub_agreement,
        year=year,
        limit=limit,
        offset=offset,
    )
    return _page(
        page,
        lambda t: {
            "id": t.pk,
            "agreement_id": t.agreement_id,
            "indicator_code": t.indicator.code,
            "year": t.year,
            "value": present.number(t.value),
        },
    )


@api.get("/baselines", response={200: schemas.BaselinePage, **COMMON_ERRORS}, tags=["plan"])
def baseline_list(
    request,
    plan: int | None = OptionalId,
    sub_agreement: int | None = OptionalId,
    limit: int = Limit,
    offset: int = Offset,
):
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    if sub_agreement is not None:
        _sub_agreement(sub_agreement, caller)
    page = api_selectors.baseline_list(
        scope=caller.scope,
        plan=the_plan,
        sub_agreement_id=sub_agreement,
        limit=limit,
        offset=offset,
    )
    return _page(
        page,
        lambda b: {
            "id": b.pk,
            "agreement_id": b.agreement_id,
            "indicator_code": b.indicator.code,
            "value": present.number(b.value),
            "as_of": b.as_of,
            "note": b.note,
        },
    )


# --- Monthly reports ----------------------------------------------------------------------


@api.get("/reports", response={200: schemas.ReportPage, **COMMON_ERRORS}, tags=["reports"])
def report_list(
    request,
    plan: int | None = OptionalId,
    period: str | None = PeriodKey,
    sub_agreement: int | None = OptionalId,
    unit: int | None = OptionalId,
    status: services.Status | None = None,
    limit: int = Limit,
    offset: int = Offset,
):
    """Monthly reports with their figures and status, newest month first."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    if sub_agreement is not None:
        _sub_agreement(sub_agreement, caller)
    page = api_selectors.report_list(
        scope=caller.scope,
        plan=the_plan,
        period=_period(the_plan, period) if period else None,
        sub_agreement_id=sub_agreement,
        unit_id=_unit_filter(unit, caller),
        status=status,
        limit=limit,
        offset=offset,
    )
    return _page(page, present.report)


@api.get(
    "/reports/{report_id}", response={200: schemas.ReportOut, **COMMON_ERRORS}, tags=["reports"]
)
def report_detail(request, report_id: schemas.Id):
    return present.report(api_selectors.report_detail(pk=report_id, scope=_caller(request).scope))


@api.get(
    "/sub-agreements/{sub_agreement_id}/months",
    response={200: list[schemas.MonthStateOut], **COMMON_ERRORS},
    tags=["reports"],
)
def month_list(request, sub_agreement_id: schemas.Id):
    """Every reportable month up to the one in progress, newest first: deadline, state by
    the calendar's rule (on time, late, returned, missing, not due), the report's id,
    status and version (the version to send with a write)."""
    sub = _sub_agreement(sub_agreement_id, _caller(request))
    months = activity_selectors.sub_agreement_months(sub_agreement=sub, today=calendar.today())
    return [present.month_state(m) for m in months]


def _figures(payload: schemas.MonthIn, plan_id: int) -> dict[int, ValueInput]:
    """The body's figures by indicator id, checked by the write path's own rules
    (figure_errors) so each refusal names its field: ``values.TUAN_TRA.numerator``."""
    by_code = {i.code: i for i in Indicator.objects.filter(plan_id=plan_id)}
    problems, values = [], {}
    for code, figure in payload.values.items():
        indicator = by_code.get(code)
        if indicator is None:
            problems.append(("unknown_indicator", _("Unknown indicator."), f"values.{code}"))
            continue
        entry = ValueInput(figure.value, figure.numerator, figure.denominator, figure.comment)
        for field, messages in figure_errors(indicator=indicator, entry=entry).items():
            problems += [("invalid", m, f"values.{code}.{field}") for m in messages]
        values[indicator.pk] = entry
    if problems:
        raise ApiError(422, problems)
    return values


def _written(report, caller: ApiCaller) -> dict:
    # Whoever may write a month may read it, so the caller's own scope re-reads it.
    return present.report(api_selectors.report_detail(pk=report.pk, scope=caller.scope))


@api.put(
    "/sub-agreements/{sub_agreement_id}/months/{month}",
    response={200: schemas.ReportOut, 409: ErrorOut, **COMMON_ERRORS},
    tags=["reports"],
)
def month_write(request, sub_agreement_id: schemas.Id, month: str, payload: schemas.MonthIn):
    """Save a month's figures (a draft), or save and submit them (``submit: true``),
    through the same write as the entry form and the Excel import: the same checks, a new
    version, one audit event naming the token. A stale ``version`` is a 409 and changes
    nothing."""
    caller = _caller(request)
    sub = _sub_agreement(sub_agreement_id, caller)
    first_day = parse_month_key(month)
    if first_day is None:
        raise ApiError(422, [("invalid_month", _("Give the month as YYYY-MM."), "month")])
    values = _figures(payload, sub.parent_id)
    existing = api_selectors.report_for_month(sub_agreement=sub, month=first_day)
    write = services.report_save_and_submit if payload.submit else services.report_save_draft
    with audit_via(caller.audit_via):
        saved = write(
            user=caller.user,
            scope=caller.scope,
            version=payload.version,
            values=values,
            narrative=payload.narrative,
            report=existing,
            sub_agreement=None if existing else sub,
            month=None if existing else first_day,
        )
    if saved is None:
        raise ApiError(422, [("empty", _("There are no figures to save."), "values")])
    return _written(saved, caller)


def _review(request, report_id: int, action, **kwargs):
    caller = _caller(request)
    report = activity_selectors.report_get(pk=report_id, scope=caller.scope)
    with audit_via(caller.audit_via):
        done = action(report=report, user=caller.user, scope=caller.scope, **kwargs)
    return _written(done, caller)


WRITE_RESPONSES = {200: schemas.ReportOut, 409: ErrorOut, **COMMON_ERRORS}


@api.post("/reports/{report_id}/submit", response=WRITE_RESPONSES, tags=["reports"])
def report_submit(request, report_id: schemas.Id, payload: schemas.VersionIn):
    """Submit a draft or returned month (every indicator needs a figure)."""
    return _review(request, report_id, services.report_submit, version=payload.version)


@api.post("/reports/{report_id}/approve", response=WRITE_RESPONSES, tags=["reports"])
def report_approve(request, report_id: schemas.Id, payload: schemas.VersionIn):
    """Approve a submitted month (provincial staff)."""
    return _review(request, report_id, services.report_approve, version=payload.version)


@api.post("/reports/{report_id}/return", response=WRITE_RESPONSES, tags=["reports"])
def report_return(request, report_id: schemas.Id, payload: schemas.ReasonIn):
    """Return a submitted month with a reason (provincial staff)."""
    return _review(
        request,
        report_id,
        services.report_return,
        version=payload.version,
        reason=payload.reason,
    )


@api.post("/reports/{report_id}/reopen", response=WRITE_RESPONSES, tags=["reports"])
def report_reopen(request, report_id: schemas.Id, payload: schemas.ReasonIn):
    """Reopen an approved month with a reason (provincial staff)."""
    return _review(
        request,
        report_id,
        services.report_reopen,
        version=payload.version,
        reason=payload.reason,
    )


# --- Dashboard figures ----------------------------------------------------------------------

ETAG_HEADERS = {
    "ETag": {
        "description": "Tag of this answer; send it back in If-None-Match.",
        "schema": {"type": "string"},
    }
}


def _figures_response(request, body: dict, if_none_match: str | None) -> HttpResponse:
    """The figures as JSON with a strong ETag (a hash of the answer itself, so it changes
    exactly when a figure does, whatever changed it: a month, a target, a reform), or a
    304 when the client already holds them. The figures are still computed — their
    queries are fixed and cheap; what the client saves is the transfer and the parsing."""
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    etag = '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'
    offered = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")}
    if etag in offered or "*" in offered:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Cookie"
    return response


def _task(plan: Agreement, order: int | None) -> Task | None:
    if order is None:
        return None
    task = Task.objects.filter(agreement=plan, order=order).first()
    if task is None:
        raise ApiError(422, [("unknown_task", _("Unknown task."), "task")])
    return task


def _district(plan: Agreement, pk: int | None, caller: ApiCaller) -> Agreement | None:
    if pk is None:
        return None
    return report_selectors.district_get(plan=plan, pk=pk, scope=caller.scope)


FIGURE_RESPONSES = {304: None, **COMMON_ERRORS}
IF_NONE_MATCH = Header(None, alias="If-None-Match", max_length=1000)


@api.get(
    "/figures/province",
    response={200: schemas.ProvinceFiguresOut, **FIGURE_RESPONSES},
    tags=["figures"],
    openapi_extra={"responses": {200: {"headers": ETAG_HEADERS}}},
)
def province_figures(
    request,
    plan: int | None = OptionalId,
    period: str | None = PeriodKey,
    provisional: bool = False,
    task: int | None = Query(None, ge=1, le=1000),
    sub_agreement: int | None = OptionalId,
    if_none_match: str | None = IF_NONE_MATCH,
):
    """The province dashboard's table (``reports.selectors.province_progress``): per
    indicator baseline, targets, achieved, expected and status; for one district with
    ``sub_agreement``. A district system gets its own districts."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    result = report_selectors.province_progress(
        plan=the_plan,
        period=_period(the_plan, period),
        scope=caller.scope,
        include_provisional=provisional,
        task=_task(the_plan, task),
        district=_district(the_plan, sub_agreement, caller),
    )
    return _figures_response(request, present.province_figures(result), if_none_match)


@api.get(
    "/figures/districts",
    response={200: schemas.DistrictFiguresOut, **FIGURE_RESPONSES},
    tags=["figures"],
    openapi_extra={"responses": {200: {"headers": ETAG_HEADERS}}},
)
def district_figures(
    request,
    plan: int | None = OptionalId,
    period: str | None = PeriodKey,
    provisional: bool = False,
    task: int | None = Query(None, ge=1, le=1000),
    indicators: str | None = Query(
        None, pattern=r"^[A-Za-z0-9_]{1,32}(,[A-Za-z0-9_]{1,32}){0,49}$"
    ),
    sort: str = Query("name", pattern=r"^-?[A-Za-z0-9_]{1,32}$"),
    group: str = Query(BY_UNIT, pattern=f"^({BY_UNIT}|{BY_FORMER_DISTRICT})$"),
    if_none_match: str | None = IF_NONE_MATCH,
):
    """The districts table (``reports.selectors.district_comparison``): each district's
    status and key indicators against its own targets, with completeness and timeliness;
    ``group=former`` gives one line per former district."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    result = report_selectors.district_comparison(
        plan=the_plan,
        period=_period(the_plan, period),
        scope=caller.scope,
        include_provisional=provisional,
        task=_task(the_plan, task),
        indicator_codes=indicators.split(",") if indicators else (),
        sort=sort,
        grouping=group,
    )
    body = present.district_figures(result, plan_id=the_plan.pk)
    return _figures_response(request, body, if_none_match)


@api.get(
    "/figures/completeness",
    response={200: schemas.CompletenessOut, **FIGURE_RESPONSES},
    tags=["figures"],
    openapi_extra={"responses": {200: {"headers": ETAG_HEADERS}}},
)
def completeness_figures(
    request,
    plan: int | None = OptionalId,
    period: str | None = PeriodKey,
    sub_agreement: int | None = OptionalId,
    if_none_match: str | None = IF_NONE_MATCH,
):
    """District × month completeness (``reports.selectors.completeness_grid``): on time,
    late, returned, missing, not due; completeness and timeliness rates."""
    caller = _caller(request)
    the_plan = api_selectors.plan_get(pk=plan, scope=caller.scope)
    result = report_selectors.completeness_grid(
        plan=the_plan,
        period=_period(the_plan, period),
        scope=caller.scope,
        district=_district(the_plan, sub_agreement, caller),
    )
    body = present.completeness(result, plan_id=the_plan.pk)
    return _figures_response(request, body, if_none_match)
