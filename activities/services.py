"""Writes to monthly reports. Each public function is one transaction that locks the report,
checks permission, state and version, makes the change and records an AuditEvent."""

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from activities import events, locks, rollups
from activities.checks import soft_warnings, soft_warnings_many
from activities.models import REPORT_OBJECT_TYPE, ActivityValue, LateEntryGrant, MonthlyReport
from agreements.models import Agreement, Indicator
from agreements.selectors import plan_read_only_reason
from audit.models import AuditEvent
from audit.services import audit_build, audit_record, audit_record_bulk
from core import calendar
from core.scope import ADMIN, UserScope
from core.text import nfc

Status = MonthlyReport.Status
COMMENT_MAX_LENGTH = ActivityValue._meta.get_field("comment").max_length


@dataclass(frozen=True)
class ValueInput:
    value: int | None = None
    numerator: int | None = None
    denominator: int | None = None
    comment: str = ""

    @property
    def is_empty(self) -> bool:
        return (
            self.value is None
            and self.numerator is None
            and self.denominator is None
            and not self.comment
        )

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "comment": self.comment,
        }


def value_snapshot(value: ActivityValue) -> dict:
    return {
        "value": value.value,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "comment": value.comment,
    }


class StaleReportError(ValidationError):
    """The form was rendered from an older version: someone else changed the month since."""

    def __init__(self, *, report: MonthlyReport, events: list[AuditEvent]):
        self.report = report
        self.events = events
        super().__init__(
            _(
                "Someone else changed this month after you opened it. Your figures have not "
                "been saved: review the change below, then save again."
            ),
            code="stale",
        )


def plan_open_check(*, agreement: Agreement) -> None:
    """The one guard of a closed plan, for every write to its months: the form's save and
    submit (through ``_lock`` and ``figures_write``), the review's approve, return and
    reopen (``_lock``), the Excel import (``figures_write``; its upload asks here first)."""
    reason = plan_read_only_reason(agreement)
    if reason:
        raise ValidationError(reason, code="plan_closed")


def _plans_open_check(sub_agreement_ids: set[int]) -> None:
    closed = (
        Agreement.objects.filter(pk__in=sub_agreement_ids, parent__status=Agreement.Status.CLOSED)
        .select_related("parent")
        .first()
    )
    if closed is not None:
        plan_open_check(agreement=closed)


def _lock(report: MonthlyReport) -> MonthlyReport:
    # The plan (a nullable join) is read, not locked: PostgreSQL locks no outer join.
    locked = (
        MonthlyReport.objects.select_for_update(
            of=("self", "sub_agreement", "sub_agreement__org_unit")
        )
        .select_related("sub_agreement__org_unit", "sub_agreement__parent")
        .get(pk=report.pk)
    )
    plan_open_check(agreement=locked.sub_agreement)
    return locked


def _check_version(locked: MonthlyReport, version: int) -> None:
    if locked.version != version:
        events = list(
            AuditEvent.objects.about(REPORT_OBJECT_TYPE, locked.pk)
            .filter(version__gt=version)
            .select_related("actor")
            .order_by("at", "id")
        )
        raise StaleReportError(report=locked, events=events)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# Locks the status checks below do not already word: the plan, the unit and late entry.
_OPEN_LOCKS = (locks.CLOSED, locks.UNIT_ENDED, locks.LATE)


def _check_open(*, sub_agreement: Agreement, month: dt.date, scope: UserScope) -> None:
    """Refuse a change the entry form would show as locked (the form and this check read the
    same rule, activities.locks.entry_lock)."""
    lock = locks.entry_lock(sub_agreement=sub_agreement, month=month, report=None, scope=scope)
    if lock is not None and lock.kind in _OPEN_LOCKS:
        raise ValidationError(lock.message)


def _record(
    *,
    report: MonthlyReport,
    user: AbstractBaseUser,
    action: str,
    status_before: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    return audit_record(
        actor=user,
        action=action,
        object_type=REPORT_OBJECT_TYPE,
        object_id=report.pk,
        version=report.version,
        status_before=status_before,
        status_after=report.status,
        before=before or {},
        after=after or {},
        reason=reason,
    )


def report_month_validate(*, sub_agreement: Agreement, month: dt.date) -> None:
    """A month can be reported only inside the sub-agreement's period and not in the future."""
    if month != calendar.month_start(month):
        raise ValidationError(_("A month must be given by its first day."))
    # The month in progress under the plan's rule (under Decree 09 April's from 15/03), the
    # same month the dashboards and the grid offer.
    if calendar.is_future(sub_agreement, month):
        raise ValidationError(_("Figures cannot be entered for a future month."))
    if not calendar.in_agreement(sub_agreement, month):
        raise ValidationError(
            _("%(month)s is outside the period of this agreement (%(start)s – %(end)s).")
            % {
                "month": date_format(month, "YEAR_MONTH_FORMAT"),
                "start": date_format(sub_agreement.start_date, "SHORT_DATE_FORMAT"),
                "end": date_format(sub_agreement.end_date, "SHORT_DATE_FORMAT"),
            }
        )


@transaction.atomic
def report_get_or_create(
    *, sub_agreement: Agreement, month: dt.date, scope: UserScope
) -> MonthlyReport:
    """An explicit empty draft for a month (administration and tests); the entry form and
    the import create a month's report only inside the write that fills it."""
    _require(scope.can_read_unit(sub_agreement.org_unit_id), _("You cannot open this month."))
    existing = MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month).first()
    if existing:
        return existing
    _require(
        scope.can_edit_unit(sub_agreement.org_unit_id),
        _("You cannot enter figures for this unit."),
    )
    plan_open_check(agreement=sub_agreement)
    report_month_validate(sub_agreement=sub_agreement, month=month)
    return _month_report_create(sub_agreement=sub_agreement, month=month, version=1)


def _month_report_create(
    *, sub_agreement: Agreement, month: dt.date, version: int
) -> MonthlyReport:
    """Create the month's report, or take the one another request created a moment ago
    (the unique constraint decides; the savepoint keeps the caller's transaction usable)."""
    try:
        with transaction.atomic():
            return MonthlyReport.objects.create(
                sub_agreement=sub_agreement, month=month, version=version
            )
    except IntegrityError:
        return MonthlyReport.objects.get(sub_agreement=sub_agreement, month=month)


def _report_for(*, sub_agreement: Agreement, month: dt.date, scope: UserScope) -> MonthlyReport:
    """The month's report, locked, created (at version 0, so its first write makes it 1)
    inside the caller's transaction: if that write is refused, no empty month is left."""
    _require(
        scope.can_edit_unit(sub_agreement.org_unit_id),
        _("You cannot enter figures for this unit."),
    )
    existing = MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month).first()
    if existing is None:
        report_month_validate(sub_agreement=sub_agreement, month=month)
        # If another request created it a moment ago, theirs is used and the version check
        # then tells this user that someone else saved first.
        existing = _month_report_create(sub_agreement=sub_agreement, month=month, version=0)
    return _lock(existing)


# --- Figures: the rules and the one write ---------------------------------------------------

MAX_FIGURE = ActivityValue.MAX_FIGURE
NUMBER_FIELDS = ("value", "numerator", "denominator")


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def figure_errors(*, indicator: Indicator, entry: ValueInput) -> dict[str, list[str]]:
    """What is wrong with one figure, by the field at fault (value, numerator, denominator,
    comment); empty when it may be stored. The rules of every path — form, Excel import,
    API: whole numbers from 0 to 10^12, a ratio's two parts together with the numerator at
    most the denominator and no single value, one value for other indicators, a comment no
    longer than the model allows once in NFC (NFC can lengthen text, and PostgreSQL's
    bulk_update CAST would silently cut it)."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in NUMBER_FIELDS:
        number = getattr(entry, field)
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int):
            fail(field, _("Enter a whole number, e.g. 1.800."))
        elif number < 0:
            fail(field, _("Figures cannot be negative."))
        elif number > MAX_FIGURE:
            fail(
                field,
                _("%(number)s is too large (at most %(limit)s); check for a typing mistake.")
                % {"number": _number(number) if number < 10**30 else "…", "limit": "10¹²"},
            )
    if len(nfc(entry.comment)) > COMMENT_MAX_LENGTH:
        fail(
            "comment",
            _("A comment can have at most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH},
        )
    if errors:
        return errors
    value, numerator, denominator = entry.value, entry.numerator, entry.denominator
    if indicator.is_ratio:
        if value is not None:
            fail(
                "value",
                _(
                    "This is a ratio indicator: enter the numerator and the denominator, and "
                    "leave the value empty."
                ),
            )
        if (numerator is None) != (denominator is None):
            fail(
                "denominator" if denominator is None else "numerator",
                _("Enter both the numerator and the denominator."),
            )
        elif numerator is not None and numerator > denominator:
            fail(
                "numerator",
                _("The numerator (%(n)s) cannot be greater than the denominator (%(d)s).")
                % {"n": _number(numerator), "d": _number(denominator)},
            )
    elif numerator is not None or denominator is not None:
        fail(
            "numerator" if numerator is not None else "denominator",
            _("This indicator takes one value, not a numerator and a denominator."),
        )
    return errors


def _validate_inputs(indicators: Mapping[int, Indicator], values: Mapping[int, ValueInput]) -> None:
    errors: dict[str, list[str]] = {}
    for indicator_id, entry in values.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise ValidationError(_("Unknown indicator."))
        for messages in figure_errors(indicator=indicator, entry=entry).values():
            errors.setdefault(indicator.code, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class FigureChange:
    """One figure to write: into ``report`` for ``indicator``, replacing ``current`` (None
    when there is none) with ``new`` (empty: delete it)."""

    report: MonthlyReport
    indicator: Indicator
    current: ActivityValue | None
    new: ValueInput


@dataclass
class ReportChange:
    """What one write did to one report, for its audit row."""

    report: MonthlyReport
    status_before: str
    before: dict = dataclasses.field(default_factory=dict)
    after: dict = dataclasses.field(default_factory=dict)
    created: int = 0
    changed: int = 0


def figure_changes(
    *, report: MonthlyReport, indicators: Mapping[int, Indicator], values: Mapping[int, ValueInput]
) -> list[FigureChange]:
    """The changes ``values`` make to one report (unchanged figures left out). One query."""
    existing = {v.indicator_id: v for v in ActivityValue.objects.filter(report=report)}
    changes = []
    for indicator_id, entry in values.items():
        entry = ValueInput(entry.value, entry.numerator, entry.denominator, nfc(entry.comment))
        current = existing.get(indicator_id)
        if current is None and entry.is_empty:
            continue
        if current is not None and value_snapshot(current) == entry.as_dict():
            continue
        changes.append(
            FigureChange(
                report=report, indicator=indicators[indicator_id], current=current, new=entry
            )
        )
    return changes


@transaction.atomic(savepoint=False)
def figures_write(
    *,
    changes: Sequence[FigureChange],
    user: AbstractBaseUser,
    action: str,
    narratives: Mapping[int, str] | None = None,
    reason: Callable[[ReportChange], str] | None = None,
) -> list[ReportChange]:
    """The one write of monthly figures, for the form, the Excel import and the API: checks
    every figure, writes them with bulk operations (a fixed number of queries for 10.000
    rows), gives each touched report a new version and puts it back to draft (a returned
    month is corrected as a draft), and writes one audit event per report with the figures
    before and after. ``narratives`` (report id → text) changes reports' narratives in the
    same write. Callers lock the reports and check rights, state and version first.
    Refuses everything if one figure is invalid, or if a report belongs to a closed plan."""
    _plans_open_check({change.report.sub_agreement_id for change in changes})
    errors: dict[str, list[str]] = {}
    for change in changes:
        for messages in figure_errors(indicator=change.indicator, entry=change.new).values():
            errors.setdefault(change.indicator.code, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    by_report: dict[int, ReportChange] = {}
    to_create, to_update, to_delete = [], [], []
    for change in changes:
        report = change.report
        entry = by_report.setdefault(
            report.pk, ReportChange(report=report, status_before=_status_before(report))
        )
        code = change.indicator.code
        new = change.new.as_dict()
        entry.before[code] = value_snapshot(change.current) if change.current else None
        if change.current is None:
            to_create.append(ActivityValue(report=report, indicator=change.indicator, **new))
            entry.created += 1
            entry.after[code] = new
        elif change.new.is_empty:
            to_delete.append(change.current.pk)
            entry.changed += 1
            entry.after[code] = None
        else:
            for name, value in new.items():
                setattr(change.current, name, value)
            to_update.append(change.current)
            entry.changed += 1
            entry.after[code] = new
    reports = {change.report.pk: change.report for change in changes}
    for report_id, narrative in (narratives or {}).items():
        report = reports.get(report_id) or next(
            (c.report for c in changes if c.report.pk == report_id), None
        )
        if report is None:
            continue
        entry = by_report.setdefault(
            report_id, ReportChange(report=report, status_before=_status_before(report))
        )
        entry.before["narrative"], entry.after["narrative"] = report.narrative, narrative
        report.narrative = narrative
    if not by_report:
        return []
    ActivityValue.objects.bulk_create(to_create, batch_size=2000)
    ActivityValue.objects.bulk_update(
        to_update, ["value", "numerator", "denominator", "comment"], batch_size=1000
    )
    if to_delete:
        ActivityValue.objects.filter(pk__in=to_delete).delete()
    now = timezone.now()
    touched = [entry.report for entry in by_report.values()]
    for report in touched:
        report.version += 1
        report.status = Status.DRAFT
        report.updated_by = user
        report.updated_at = now
    # Every touched report gets the same status, author and time and its version plus one:
    # one UPDATE per 1.000 reports. (bulk_update wrote a CASE branch per report and field;
    # at 10.000 import rows that was a sixth of the confirm.) Narratives differ per report
    # and only the form and the API change them, one report at a time.
    narrated = [report for report in touched if narratives and report.pk in narratives]
    for start in range(0, len(touched), 1000):
        chunk = touched[start : start + 1000]
        fields = {"narrative": chunk[0].narrative} if len(chunk) == 1 and narrated else {}
        MonthlyReport.objects.filter(pk__in=[report.pk for report in chunk]).update(
            version=F("version") + 1, status=Status.DRAFT, updated_by=user, updated_at=now, **fields
        )
    if len(touched) > 1 and narrated:
        MonthlyReport.objects.bulk_update(narrated, ["narrative"], batch_size=1000)
    # A write to an approved month (callers normally refuse one) takes it out of the official
    # figures: keep the rollups exact in this transaction.
    rollups.rollups_refresh(
        report_ids=[e.report.pk for e in by_report.values() if e.status_before == Status.APPROVED]
    )
    audit_record_bulk(
        [
            audit_build(
                actor=user,
                action=action,
                object_type=REPORT_OBJECT_TYPE,
                object_id=entry.report.pk,
                version=entry.report.version,
                status_before=entry.status_before,
                status_after=entry.report.status,
                before=entry.before,
                after=entry.after,
                reason=reason(entry) if reason else "",
            )
            for entry in by_report.values()
        ]
    )
    return list(by_report.values())


def _status_before(report: MonthlyReport) -> str:
    # A report created by this write (version 0) had no status before it.
    return "" if report.version == 0 else report.status


def _save_report(report: MonthlyReport, user: AbstractBaseUser, *fields: str) -> None:
    report.version += 1
    report.updated_by = user
    report.save(update_fields=["version", "updated_by", "updated_at", *fields])


@transaction.atomic
def report_save_draft(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    version: int,
    values: Mapping[int, ValueInput],
    narrative: str | None = None,
    report: MonthlyReport | None = None,
    sub_agreement: Agreement | None = None,
    month: dt.date | None = None,
) -> MonthlyReport | None:
    """Save the month's figures as a draft. Give ``report``, or ``sub_agreement`` and
    ``month`` for a month without one yet (it is created in this transaction). Returns the
    report, or None when a new month had nothing to save (nothing is created)."""
    if report is not None:
        locked = _lock(report)
        _require(
            scope.can_edit_unit(locked.sub_agreement.org_unit_id),
            _("You cannot enter figures for this unit."),
        )
    else:
        if sub_agreement is None or month is None:
            raise TypeError("report_save_draft needs a report, or a sub_agreement and a month")
        locked = _report_for(sub_agreement=sub_agreement, month=month, scope=scope)
    _check_version(locked, version)
    if not locked.is_editable:
        raise ValidationError(
            _("This month is %(status)s and can no longer be edited.")
            % {"status": locked.get_status_display().lower()}
        )
    _check_open(sub_agreement=locked.sub_agreement, month=locked.month, scope=scope)
    indicators = {i.pk: i for i in Indicator.objects.filter(plan_id=locked.sub_agreement.parent_id)}
    _validate_inputs(indicators, values)
    changes = figure_changes(report=locked, indicators=indicators, values=values)
    narratives = {}
    if narrative is not None and nfc(narrative) != locked.narrative:
        narratives[locked.pk] = nfc(narrative)
    written = figures_write(
        changes=changes, user=user, action=AuditEvent.Action.SAVE, narratives=narratives
    )
    if not written and locked.version == 0:
        # A new month with nothing in it: leave no empty report behind.
        locked.delete()
        return None
    return locked


@transaction.atomic
def report_submit(
    *, report: MonthlyReport, user: AbstractBaseUser, scope: UserScope, version: int
) -> MonthlyReport:
    locked = _lock(report)
    _require(
        scope.can_edit_unit(locked.sub_agreement.org_unit_id),
        _("You cannot submit figures for this unit."),
    )
    _check_version(locked, version)
    if not locked.is_editable:
        raise ValidationError(
            _("Only a draft or returned month can be submitted; this one is %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    _check_open(sub_agreement=locked.sub_agreement, month=locked.month, scope=scope)
    missing = list(
        Indicator.objects.filter(plan_id=locked.sub_agreement.parent_id)
        .exclude(values__report=locked)
        .order_by("task__order", "order", "code")
    )
    if missing:
        raise ValidationError(
            _(
                "Enter a figure (0 if nothing happened) for every indicator before submitting. "
                "Missing: %(names)s."
            )
            % {"names": "; ".join(i.display_name(get_language()) for i in missing)}
        )
    unexplained = [w.message for w in soft_warnings(report=locked) if not w.explained]
    if unexplained:
        raise ValidationError(unexplained)
    status_before = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    _save_report(locked, user, "status", "submitted_at", "submitted_by")
    _record(report=locked, user=user, action=AuditEvent.Action.SUBMIT, status_before=status_before)
    return locked


def _review(
    *,
    report: MonthlyReport,
    user: AbstractBaseUser,
    scope: UserScope,
    version: int,
    allowed_from: str,
    new_status: str,
    action: str,
    reason: str,
) -> MonthlyReport:
    _require(scope.can_review, _("Only provincial staff can review reports."))
    locked = _lock(report)
    _check_version(locked, version)
    if locked.status != allowed_from:
        raise ValidationError(
            _("This month is %(status)s; that action is not possible now.")
            % {"status": locked.get_status_display().lower()}
        )
    if action == AuditEvent.Action.REOPEN:
        _check_reopen_window(locked, scope)
    status_before = locked.status
    locked.status = new_status
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    fields = ["status", "reviewed_at", "reviewed_by"]
    if reason:
        locked.return_reason = reason
        fields.append("return_reason")
    _save_report(locked, user, *fields)
    if Status.APPROVED in (status_before, new_status):
        # The official figures change with this step: their rollups in the same transaction.
        rollups.rollups_refresh(report_ids=[locked.pk])
    _record(report=locked, user=user, action=action, status_before=status_before, reason=reason)
    events.event_publish(
        events.ReportEvent(
            kind=_EVENT_OF_ACTION[action],
            sub_agreement_id=locked.sub_agreement_id,
            month_iso=locked.month.isoformat(),
            actor_id=user.pk,
            report_id=locked.pk,
            version=locked.version,
            reason=reason,
        )
    )
    return locked


_EVENT_OF_ACTION = {
    AuditEvent.Action.APPROVE: events.APPROVED,
    AuditEvent.Action.RETURN: events.RETURNED,
    AuditEvent.Action.REOPEN: events.REOPENED,
}


def _check_reopen_window(report: MonthlyReport, scope: UserScope) -> None:
    """Provincial staff reopen an approved month within the plan's window after its approval;
    later only the admin role may: figures long since reported upward change only with the
    administrator's say."""
    if report.reviewed_at is None or ADMIN in scope.roles:
        return
    approved_on = calendar.local_date(report.reviewed_at)
    ends = calendar.reopen_window_ends(report.sub_agreement, approved_on)
    if calendar.today() > ends:
        raise ValidationError(
            _(
                "This month was approved on %(date)s; the plan lets provincial staff reopen it "
                "until %(end)s. Ask an administrator to reopen it."
            )
            % {
                "date": date_format(approved_on, "SHORT_DATE_FORMAT"),
                "end": date_format(ends, "SHORT_DATE_FORMAT"),
            }
        )


def _required_reason(reason: str) -> str:
    reason = nfc(reason)
    if not reason:
        raise ValidationError({"reason": _("Give a reason so the district knows what to fix.")})
    return reason


@transaction.atomic
def report_approve(
    *, report: MonthlyReport, user: AbstractBaseUser, scope: UserScope, version: int
) -> MonthlyReport:
    return _review(
        report=report,
        user=user,
        scope=scope,
        version=version,
        allowed_from=Status.SUBMITTED,
        new_status=Status.APPROVED,
        action=AuditEvent.Action.APPROVE,
        reason="",
    )


@transaction.atomic
def report_approve_many(
    *,
    reports: Sequence[tuple[MonthlyReport, int]],
    user: AbstractBaseUser,
    scope: UserScope,
) -> list[MonthlyReport]:
    """Approve several clean months at once (the inbox's bulk approval): each ``(report,
    version)`` as report_approve does it, with its own audit row and notification. All or
    nothing: a month changed since it was shown (stale), no longer waiting, or with an
    unusual figure (a soft-check warning, explained or not — those deserve a look) refuses
    the whole batch, saying which month."""
    _require(scope.can_review, _("Only provincial staff can review reports."))
    # One look at every month's figures (two queries), not one per month.
    warnings = soft_warnings_many(reports=[report for report, _version in reports])
    approved = []
    for report, version in reports:
        name = f"{report.sub_agreement.org_unit.name}, {report.month:%m/%Y}"
        if warnings.get(report.pk):
            raise ValidationError(
                _("%(month)s has unusual figures: review it on its own page.") % {"month": name}
            )
        try:
            approved.append(report_approve(report=report, user=user, scope=scope, version=version))
        except ValidationError as error:
            raise ValidationError(
                [_("%(month)s: nothing was approved.") % {"month": name}, *error.messages]
            ) from error
    return approved


@transaction.atomic
def report_return(
    *, report: MonthlyReport, user: AbstractBaseUser, scope: UserScope, version: int, reason: str
) -> MonthlyReport:
    return _review(
        report=report,
        user=user,
        scope=scope,
        version=version,
        allowed_from=Status.SUBMITTED,
        new_status=Status.RETURNED,
        action=AuditEvent.Action.RETURN,
        reason=_required_reason(reason),
    )


@transaction.atomic
def report_reopen(
    *, report: MonthlyReport, user: AbstractBaseUser, scope: UserScope, version: int, reason: str
) -> MonthlyReport:
    """Unlock an approved month so the district can correct it; it leaves the official
    figures until approved again."""
    return _review(
        report=report,
        user=user,
        scope=scope,
        version=version,
        allowed_from=Status.APPROVED,
        new_status=Status.RETURNED,
        action=AuditEvent.Action.REOPEN,
        reason=_required_reason(reason),
    )


@transaction.atomic
def report_save_and_submit(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    version: int,
    values: Mapping[int, ValueInput],
    narrative: str | None = None,
    report: MonthlyReport | None = None,
    sub_agreement: Agreement | None = None,
    month: dt.date | None = None,
) -> MonthlyReport:
    """Save the form and submit it as one step: if the submission is refused, nothing of the
    form is kept either (not even a new month's empty report), so the user sees exactly
    what they typed, with the reason."""
    saved = report_save_draft(
        report=report,
        sub_agreement=sub_agreement,
        month=month,
        user=user,
        scope=scope,
        version=version,
        values=values,
        narrative=narrative,
    )
    if saved is None:
        raise ValidationError(
            _("Enter a figure (0 if nothing happened) for every indicator before submitting.")
        )
    return report_submit(report=saved, user=user, scope=scope, version=saved.version)


@transaction.atomic
def late_entry_grant(
    *,
    sub_agreement: Agreement,
    month: dt.date,
    user: AbstractBaseUser,
    scope: UserScope,
    reason: str = "",
) -> LateEntryGrant:
    """Let the district enter one month after the grace period (plans that require it).
    Granting twice keeps the first grant."""
    _require(scope.can_review, _("Only provincial staff can grant late entry."))
    report_month_validate(sub_agreement=sub_agreement, month=month)
    grant, created = LateEntryGrant.objects.get_or_create(
        sub_agreement=sub_agreement,
        month=month,
        defaults={"granted_by": user, "reason": nfc(reason)},
    )
    if created:
        report = MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month).first()
        audit_record(
            actor=user,
            action=AuditEvent.Action.LATE_GRANT,
            object_type=REPORT_OBJECT_TYPE if report else grant._meta.label_lower,
            object_id=report.pk if report else grant.pk,
            after={"month": month.isoformat(), "sub_agreement": sub_agreement.pk},
            reason=grant.reason,
        )
        events.event_publish(
            events.ReportEvent(
                kind=events.LATE_GRANTED,
                sub_agreement_id=sub_agreement.pk,
                month_iso=month.isoformat(),
                actor_id=user.pk,
                report_id=report.pk if report else None,
                reason=grant.reason,
            )
        )
    return grant
