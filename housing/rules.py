"""Who may do what in the housing register: one place, read by selectors, services and views.

Houses are read like a unit's months (its officer and viewer, and every province-wide role);
written by the unit's officer and provincial staff. The households' personal data is
narrower: only the officer of that unit, provincial staff and the admin role — not
leadership, not the district viewer (the Police counterpart), who see houses without it."""

import datetime as dt

from django.conf import settings

from agreements.models import Agreement
from core.scope import UserScope


def can_read_houses(scope: UserScope, unit_id: int) -> bool:
    return scope.can_read_unit(unit_id)


def can_edit_houses(scope: UserScope, unit_id: int) -> bool:
    return scope.can_edit_unit(unit_id)


def can_see_personal(scope: UserScope, unit_id: int | None = None) -> bool:
    """Personal data of a unit's households (``unit_id``), or of every unit (None)."""
    if scope.can_review:
        return True
    return unit_id is not None and unit_id in scope.officer_unit_ids


def retention_default(sub_agreement: Agreement) -> dt.date:
    """The plan's end plus the retention setting, in years (29/02 becomes 28/02)."""
    end = sub_agreement.plan.end_date
    years = settings.HOUSEHOLD_RETENTION_YEARS
    try:
        return end.replace(year=end.year + years)
    except ValueError:
        return end.replace(year=end.year + years, day=28)
