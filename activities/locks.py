"""Why a month cannot be entered: one rule for the entry form, the services and the Excel import.

Every date comparison is core.calendar's; this module only orders the reasons and words them,
so a locked form always says why (approved on … by …, outside the agreement, unit ended on …,
plan closed, late entry waiting for staff's grant)."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities.models import LateEntryGrant, MonthlyReport
from agreements.models import Agreement
from agreements.selectors import plan_read_only_reason
from core import calendar
from core.scope import UserScope

# Lock kinds (templates and tests read them; the message is for people).
CLOSED, UNIT_ENDED, OUTSIDE, APPROVED, SUBMITTED, READ_ONLY, LATE = (
    "plan_closed",
    "unit_ended",
    "outside",
    "approved",
    "submitted",
    "read_only",
    "late_needs_grant",
)


@dataclass(frozen=True)
class EntryLock:
    kind: str
    message: str
    # Provincial staff may lift a late-entry lock for this month (the form shows the button).
    grantable: bool = False


def _day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = calendar.local_date(value)
    return date_format(value, "SHORT_DATE_FORMAT")


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("unknown")
    return user.get_full_name() or user.get_username()


def entry_lock(
    *,
    sub_agreement: Agreement,
    month: dt.date,
    report: MonthlyReport | None,
    scope: UserScope,
    granted: bool | None = None,
    on: dt.date | None = None,
) -> EntryLock | None:
    """Why ``scope``'s user cannot change this month now, or None when they can. ``granted``:
    whether staff granted late entry for it (None: looked up, one query, only when the plan's
    late-entry rule applies)."""
    unit = sub_agreement.org_unit
    closed = plan_read_only_reason(sub_agreement)
    if closed:
        return EntryLock(CLOSED, closed)
    if unit.valid_to and month > calendar.month_start(unit.valid_to):
        return EntryLock(
            UNIT_ENDED,
            _("%(unit)s ended on %(date)s: no figures are taken for later months.")
            % {"unit": unit.name, "date": _day(unit.valid_to)},
        )
    if not calendar.in_agreement(sub_agreement, month):
        return EntryLock(
            OUTSIDE,
            _("%(month)s is outside the agreement (%(start)s – %(end)s).")
            % {
                "month": month.strftime("%m/%Y"),
                "start": _day(sub_agreement.start_date),
                "end": _day(sub_agreement.end_date),
            },
        )
    if report is not None and report.status == MonthlyReport.Status.APPROVED:
        return EntryLock(
            APPROVED,
            _(
                "Approved on %(date)s by %(name)s: the month is locked. Ask provincial staff "
                "to reopen it if a figure must change."
            )
            % {
                "date": _day(report.reviewed_at or report.updated_at),
                "name": _name(report.reviewed_by),
            },
        )
    if report is not None and report.status == MonthlyReport.Status.SUBMITTED:
        return EntryLock(
            SUBMITTED,
            _(
                "Submitted on %(date)s by %(name)s and waiting for review: it can be changed "
                "again if provincial staff return it."
            )
            % {
                "date": _day(report.submitted_at or report.updated_at),
                "name": _name(report.submitted_by),
            },
        )
    if not scope.can_edit_unit(unit.pk):
        return EntryLock(
            READ_ONLY, _("You can read this month; only the unit's officers enter its figures.")
        )
    # Provincial staff grant late entry, so it never locks them out.
    if not scope.can_review and calendar.needs_late_grant(sub_agreement, month, on=on):
        if granted is None:
            granted = late_entry_granted(sub_agreement=sub_agreement, month=month)
        if granted:
            return None
        return EntryLock(
            LATE,
            _(
                "The deadline (%(deadline)s) and the grace period (until %(closes)s) have "
                "passed: this plan needs provincial staff's approval to enter the month late. "
                "Ask them to grant it."
            )
            % {
                "deadline": _day(calendar.deadline(sub_agreement, month)),
                "closes": _day(calendar.entry_closes(sub_agreement, month)),
            },
        )
    return None


def late_entry_granted(*, sub_agreement: Agreement, month: dt.date) -> bool:
    return LateEntryGrant.objects.filter(sub_agreement=sub_agreement, month=month).exists()


def late_grant_offered(*, sub_agreement: Agreement, month: dt.date, report) -> bool:
    """Whether staff may grant late entry for this month now: the rule applies, the month is
    still open to change, and nobody granted it yet."""
    if report is not None and not report.is_editable:
        return False
    if not calendar.needs_late_grant(sub_agreement, month):
        return False
    return not late_entry_granted(sub_agreement=sub_agreement, month=month)
