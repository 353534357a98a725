"""The audit trail, for provincial staff and administrators: every change, filterable by user,
report, kind of object and action. Read-only: nothing here (or in the admin) edits it."""

from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from activities.models import REPORT_OBJECT_TYPE, MonthlyReport
from activities.selectors import indicator_names
from agreements.selectors import request_scope
from audit.models import AuditEvent
from core.scope import UserScope
from core.text import nfc

PAGE_SIZE = 50


def audit_event_list(
    *,
    scope: UserScope,
    actor_id: int | None = None,
    report_id: int | None = None,
    object_type: str = "",
    action: str = "",
) -> QuerySet[AuditEvent]:
    """Audit events newest first; only reviewers (admin, provincial staff) may read them."""
    if not scope.can_review:
        raise PermissionDenied
    events = AuditEvent.objects.select_related("actor")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if report_id is not None:
        events = events.about(REPORT_OBJECT_TYPE, report_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if action:
        events = events.filter(action=action)
    return events.order_by("-at", "-id")


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None


def _attach_reports(events) -> None:
    """The trail names a month by id only (it depends on no other app): fetch the page's
    months in one query to show the district and month rather than a bare number."""
    ids = {
        int(e.object_id)
        for e in events
        if e.object_type == REPORT_OBJECT_TYPE and e.object_id.isdigit() and len(e.object_id) < 18
    }
    reports = MonthlyReport.objects.select_related("sub_agreement__org_unit").in_bulk(ids)
    # Other objects by their own name: one query per kind of object on the page.
    others = defaultdict(set)
    for e in events:
        if e.object_type != REPORT_OBJECT_TYPE and e.object_id.isdigit() and len(e.object_id) < 18:
            others[e.object_type].add(int(e.object_id))
    names = {}
    for object_type, pks in others.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        names.update(
            {
                (object_type, str(pk)): str(obj)
                for pk, obj in model._default_manager.in_bulk(pks).items()
            }
        )
    for event in events:
        event.report = (
            reports.get(int(event.object_id))
            if event.object_type == REPORT_OBJECT_TYPE and event.object_id.isdigit()
            else None
        )
        event.object_name = names.get((event.object_type, event.object_id), "")


def _render(request: HttpRequest, events: QuerySet[AuditEvent], context: dict) -> HttpResponse:
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _attach_reports(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/audit_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "actions": AuditEvent.Action.choices,
            "object_types": AuditEvent.objects.order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct(),
            # The filters name people and months, never their database numbers.
            "actors": get_user_model()
            .objects.filter(pk__in=AuditEvent.objects.values("actor_id"))
            .order_by("first_name", "last_name", "username"),
            "filtered_report": MonthlyReport.objects.select_related("sub_agreement__org_unit")
            .filter(pk=context["filters"].get("report_id") or 0)
            .first(),
            "names": indicator_names(plan_id=None),
            **context,
        },
    )


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    action = request.GET.get("action", "")
    if action not in AuditEvent.Action.values:
        action = ""
    filters = {
        "actor_id": _int_param(request, "user"),
        "report_id": _int_param(request, "report"),
        # nfc() also drops NUL characters, which PostgreSQL refuses in a query (a 500).
        "object_type": nfc(request.GET.get("object_type", ""))[:64],
        "action": action,
    }
    events = audit_event_list(scope=scope, **filters)
    return _render(request, events, {"filters": filters})


@login_required
@require_GET
def audit_user(request: HttpRequest, user_id: int) -> HttpResponse:
    scope = request_scope(request)
    events = audit_event_list(scope=scope, actor_id=user_id)
    person = get_object_or_404(get_user_model(), pk=user_id)
    return _render(request, events, {"person": person, "filters": {}})
