"""Reads about plans and who may see what."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from agreements.models import Agreement, Indicator, Membership

Role = Membership.Role


@dataclass(frozen=True)
class UserScope:
    """What a user may see and do, computed once per request from their memberships.

    Every selector and service takes a scope, so no view can forget to apply it."""

    user_id: int | None
    roles: frozenset[str]
    # Units where the user holds a district role; empty for province-wide roles.
    district_unit_ids: frozenset[int]
    officer_unit_ids: frozenset[int]

    @property
    def sees_all(self) -> bool:
        return bool(self.roles & {Role.ADMIN, Role.PROVINCIAL_STAFF, Role.LEADERSHIP})

    @property
    def can_review(self) -> bool:
        return bool(self.roles & {Role.ADMIN, Role.PROVINCIAL_STAFF})

    @property
    def can_manage(self) -> bool:
        return self.can_review

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def can_read_unit(self, unit_id: int) -> bool:
        return self.sees_all or unit_id in self.district_unit_ids

    def can_edit_unit(self, unit_id: int) -> bool:
        # Provincial staff may enter figures too (all-district imports, corrections).
        return self.can_review or unit_id in self.officer_unit_ids


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
