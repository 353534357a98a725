"""Reads about plans and who may see what."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest

from agreements.models import Agreement, Indicator, Membership
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
