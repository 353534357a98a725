"""What a user may see and do: the scope every selector and service takes as an argument.

Computed from memberships by ``agreements.selectors.user_scope``; kept here, below the apps,
as plain data so every app can take one without importing another app's models."""

from dataclasses import dataclass

# Membership roles (agreements.models.Membership.Role holds their labels).
ADMIN = "admin"
PROVINCIAL_STAFF = "provincial_staff"
DISTRICT_OFFICER = "district_officer"
DISTRICT_VIEWER = "district_viewer"
LEADERSHIP = "leadership"


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
        return bool(self.roles & {ADMIN, PROVINCIAL_STAFF, LEADERSHIP})

    @property
    def can_review(self) -> bool:
        return bool(self.roles & {ADMIN, PROVINCIAL_STAFF})

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
