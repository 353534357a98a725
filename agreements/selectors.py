"""Reads about plans and who may see what."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from agreements.models import Agreement, Indicator, Membership, OrgUnit, UnitSuccession
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


def current_plan() -> Agreement | None:
    """The provincial plan in force (the most recent active one without a parent)."""
    return (
        Agreement.objects.filter(parent__isnull=True)
        .exclude(status=Agreement.Status.DRAFT)
        .order_by("-start_date")
        .first()
    )


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
