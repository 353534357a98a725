"""Reads about plans and who may see what."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements.models import Agreement, Indicator, Membership, OrgUnit, UnitSuccession
from core import calendar
from core.scope import UserScope

Role = Membership.Role


def user_scope(user: AbstractBaseUser | AnonymousUser) -> UserScope:
    if not user.is_authenticated:
        return UserScope(None, frozenset(), frozenset(), frozenset())
    memberships = list(Membership.objects.filter(user=user).values_list("role", "org_unit_id"))
    roles = {role for role, _ in memberships}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    district_roles = {Role.DISTRICT_OFFICER, Role.DISTRICT_VIEWER}
    return UserScope(
        user_id=user.pk,
        roles=frozenset(roles),
        district_unit_ids=frozenset(u for r, u in memberships if r in district_roles),
        officer_unit_ids=frozenset(u for r, u in memberships if r == Role.DISTRICT_OFFICER),
    )


def request_scope(request: HttpRequest) -> UserScope:
    """The user's scope, computed once per request."""
    if not hasattr(request, "_scope"):
        request._scope = user_scope(request.user)
    return request._scope


def sub_agreement_list(*, scope: UserScope) -> QuerySet[Agreement]:
    """District sub-agreements the user may read, with their unit."""
    queryset = Agreement.objects.filter(parent__isnull=False).select_related("org_unit", "parent")
    if not scope.sees_all:
        queryset = queryset.filter(org_unit_id__in=scope.district_unit_ids)
    return queryset.order_by("org_unit__name")


def _current_of(plans: Iterable[Agreement], on: dt.date) -> Agreement | None:
    """The plan the portal opens on: the most recent non-draft plan that has started by
    ``on``; before any has started, the earliest one still to come."""
    candidates = [p for p in plans if p.parent_id is None and p.status != Agreement.Status.DRAFT]
    started = [p for p in candidates if p.start_date <= on]
    if started:
        return max(started, key=lambda p: (p.start_date, p.pk))
    return min(candidates, key=lambda p: (p.start_date, p.pk), default=None)


def current_plan(*, on: dt.date | None = None) -> Agreement | None:
    """The plan the portal opens on (see ``_current_of``), for commands and benchmarks;
    requests use ``request_plan``."""
    plans = Agreement.objects.filter(parent__isnull=True).exclude(status=Agreement.Status.DRAFT)
    return _current_of(plans.select_related("org_unit"), on or calendar.today())


PLAN_SESSION_KEY = "plan"


def _choosable_plans(scope: UserScope) -> QuerySet[Agreement]:
    plans = Agreement.objects.filter(parent__isnull=True)
    if not scope.can_manage:  # drafts are being prepared by staff
        plans = plans.exclude(status=Agreement.Status.DRAFT)
    return plans


def _request_plans(request: HttpRequest) -> list[Agreement]:
    """The plans this user may open, newest first, each with its number of sub-agreements:
    one query per request, shared by the plan choice and the switcher."""
    if not hasattr(request, "_plans"):
        request._plans = list(
            _choosable_plans(request_scope(request))
            .select_related("org_unit")
            .annotate(sub_count=Count("sub_agreements"))
            .order_by("-start_date", "-pk")
        )
    return request._plans


def request_plan(request: HttpRequest) -> Agreement | None:
    """The plan this request is about — the one way every page, export, PDF and import
    template chooses it: ``?plan=<code>`` (remembered in the session, so the following pages
    keep it), else the plan chosen earlier in the session, else the current plan. A code the
    user may not choose (unknown, or a draft for a user who is not staff) is ignored. One
    query, whatever the number of plans, computed once per request."""
    if hasattr(request, "_plan"):
        return request._plan
    plans = {plan.code: plan for plan in _request_plans(request)}
    session = getattr(request, "session", None)
    plan = plans.get(request.GET.get("plan", ""))
    if plan is not None and session is not None:
        if session.get(PLAN_SESSION_KEY) != plan.code:
            session[PLAN_SESSION_KEY] = plan.code
    if plan is None and session is not None:
        plan = plans.get(session.get(PLAN_SESSION_KEY) or "")
    if plan is None:
        plan = _current_of(plans.values(), calendar.today())
    request._plan = plan
    return plan


def request_plan_param(request: HttpRequest) -> str:
    """What links add so that they open the same plan: "" for the current plan (its
    addresses stay as they always were), else the chosen plan's code for ``?plan=``."""
    plan = request_plan(request)
    if plan is None or plan == _current_of(_request_plans(request), calendar.today()):
        return ""
    return plan.code


@dataclass(frozen=True)
class PlanSummary:
    """One plan as the switcher and the archive list it."""

    pk: int
    code: str
    title: str
    status: str
    status_label: str
    start_date: dt.date
    end_date: dt.date
    closed_on: dt.date | None
    sub_agreements: int
    is_current: bool

    @property
    def is_closed(self) -> bool:
        return self.status == Agreement.Status.CLOSED


def request_plan_list(request: HttpRequest) -> list[PlanSummary]:
    """Every plan the user may open, newest first, marked current or not: the same query as
    ``request_plan``, so the switcher costs nothing more however many plans there are."""
    plans = _request_plans(request)
    current = _current_of(plans, calendar.today())
    return [
        PlanSummary(
            pk=plan.pk,
            code=plan.code,
            title=plan.title,
            status=plan.status,
            status_label=str(plan.get_status_display()),
            start_date=plan.start_date,
            end_date=plan.end_date,
            closed_on=plan.closed_on,
            sub_agreements=plan.sub_count,
            is_current=current is not None and plan.pk == current.pk,
        )
        for plan in plans
    ]


def plan_read_only_reason(agreement: Agreement) -> str | None:
    """Why nothing more may be written to a plan's months or targets, or None while it may:
    a closed plan (or a sub-agreement of one) is kept as it was closed — browsable,
    exportable and printable only."""
    plan = agreement.plan
    if plan.status != Agreement.Status.CLOSED:
        return None
    return _("The plan ended on %(date)s; it can only be viewed, exported and printed.") % {
        "date": date_format(plan.closed_on or plan.end_date, "SHORT_DATE_FORMAT")
    }


def indicator_list(*, plan: Agreement) -> list[Indicator]:
    return list(
        Indicator.objects.filter(plan=plan)
        .select_related("task")
        .order_by("task__order", "order", "code")
    )


def former_district_members(unit_id: int) -> set[int]:
    """The units on one former district's line: the district, the units that merged whole
    into it, and the communes formed from it. Two queries."""
    linked = set(
        UnitSuccession.objects.filter(Q(predecessor_id=unit_id) | Q(successor_id=unit_id))
        .values_list("predecessor_id", "successor_id")
        .distinct()
    )
    candidates = {unit_id, *(u for pair in linked for u in pair)}
    lines = former_districts(OrgUnit.objects.filter(pk__in=candidates))
    return {pk for pk, line in lines.items() if line.pk == unit_id}


def former_districts(units: Iterable[OrgUnit]) -> dict[int, OrgUnit]:
    """Each unit's line in the "by former district" grouping: a district-level unit is its
    own line, unless it merged whole into another district-level unit (Cửa Lò into Vinh on
    01/12/2024: ended the day before the link); a commune-level unit belongs to the
    district-level unit it was formed from (the first by name if several). Units of any
    other level are their own line. One query, whatever the number of units, so the
    province total is the same under either grouping: every unit is in exactly one line."""
    units = list(units)
    by_id = {unit.pk: unit for unit in units}
    links = list(
        UnitSuccession.objects.filter(
            Q(predecessor__in=list(by_id)) | Q(successor__in=list(by_id))
        ).select_related("predecessor", "successor")
    )
    district_level = set(OrgUnit.DISTRICT_LEVEL)
    merged_into: dict[int, OrgUnit] = {}
    formed_from: dict[int, list[OrgUnit]] = {}
    for link in links:
        before, after = link.predecessor, link.successor
        if before.kind in district_level and after.kind in district_level:
            if before.valid_to is not None and before.valid_to < link.on:
                merged_into[before.pk] = after
        elif after.kind in OrgUnit.COMMUNE_LEVEL and before.kind in district_level:
            formed_from.setdefault(after.pk, []).append(before)

    def line(unit: OrgUnit, depth: int = 0) -> OrgUnit:
        if unit.pk in merged_into and depth < 10:
            return line(merged_into[unit.pk], depth + 1)
        return unit

    result = {}
    for unit in units:
        if unit.kind in OrgUnit.COMMUNE_LEVEL and unit.pk in formed_from:
            result[unit.pk] = line(min(formed_from[unit.pk], key=lambda u: u.name))
        else:
            result[unit.pk] = line(unit)
    return result


def plan_agency_names(*, plan: Agreement | None) -> list[str]:
    """The agencies that signed a plan, in the plan's order (the login page's header). One
    query."""
    if plan is None:
        return []
    return list(plan.parties.order_by("order").values_list("agency__name", flat=True))
