"""Writes to monthly reports. Each public function is one transaction that locks the report,
checks permission, state and version, makes the change and records an AuditEvent."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities.checks import soft_warnings
from activities.models import REPORT_OBJECT_TYPE, ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator
from agreements.selectors import UserScope
from audit.models import AuditEvent
from audit.services import audit_record
from cooperation.months import current_month, month_start
from cooperation.text import nfc

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


def _lock(report: MonthlyReport) -> MonthlyReport:
    return (
        MonthlyReport.objects.select_for_update()
        .select_related("sub_agreement__org_unit")
        .get(pk=report.pk)
    )


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
    if month != month_start(month):
        raise ValidationError(_("A month must be given by its first day."))
    if month > current_month():
        raise ValidationError(_("Figures cannot be entered for a future month."))
    if month < month_start(sub_agreement.start_date) or month > month_start(sub_agreement.end_date):
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
    _require(scope.can_read_unit(sub_agreement.org_unit_id), _("You cannot open this month."))
    existing = MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month).first()
    if existing:
        return existing
    _require(
        scope.can_edit_unit(sub_agreement.org_unit_id),
        _("You cannot enter figures for this unit."),
    )
    report_month_validate(sub_agreement=sub_agreement, month=month)
    report = MonthlyReport(sub_agreement=sub_agreement, month=month)
    report.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another request created it a moment ago; use theirs.
        report = MonthlyReport.objects.get(sub_agreement=sub_agreement, month=month)
    return report


def _validate_inputs(indicators: Mapping[int, Indicator], values: Mapping[int, ValueInput]) -> None:
    errors: dict[str, list[str]] = {}
    for indicator_id, entry in values.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            raise ValidationError(_("Unknown indicator."))
        numbers = (entry.value, entry.numerator, entry.denominator)
        # Checked after NFC, which can lengthen text: too long would be a DataError on insert
        # and, worse, silently truncated by bulk_update's CAST on PostgreSQL.
        if len(nfc(entry.comment)) > COMMENT_MAX_LENGTH:
            errors.setdefault(indicator.code, []).append(
                _("A comment can have at most %(limit)d characters.")
                % {"limit": COMMENT_MAX_LENGTH}
            )
        if any(n is not None and n < 0 for n in numbers):
            errors.setdefault(indicator.code, []).append(_("Figures cannot be negative."))
        if indicator.is_ratio:
            if entry.value is not None:
                errors.setdefault(indicator.code, []).append(
                    _("Enter the numerator and denominator, not a single value.")
                )
            if (entry.numerator is None) != (entry.denominator is None):
                errors.setdefault(indicator.code, []).append(
                    _("Enter both the numerator and the denominator.")
                )
            elif entry.numerator is not None and entry.numerator > entry.denominator:
                errors.setdefault(indicator.code, []).append(
                    _("The numerator cannot be greater than the denominator.")
                )
        elif entry.numerator is not None or entry.denominator is not None:
            errors.setdefault(indicator.code, []).append(_("This indicator takes one value."))
    if errors:
        raise ValidationError(errors)


def _apply_values(*, report: MonthlyReport, values: Mapping[int, ValueInput]) -> tuple[dict, dict]:
    """Write ``values`` into the report with a fixed number of queries; return the changes
    as (before, after) keyed by indicator code."""
    indicators = {i.pk: i for i in Indicator.objects.filter(plan_id=report.sub_agreement.parent_id)}
    _validate_inputs(indicators, values)
    existing = {v.indicator_id: v for v in ActivityValue.objects.filter(report=report)}
    before, after = {}, {}
    to_create, to_update, to_delete = [], [], []
    for indicator_id, entry in values.items():
        code = indicators[indicator_id].code
        entry = ValueInput(entry.value, entry.numerator, entry.denominator, nfc(entry.comment))
        current = existing.get(indicator_id)
        if current is None:
            if entry.is_empty:
                continue
            to_create.append(
                ActivityValue(report=report, indicator_id=indicator_id, **entry.as_dict())
            )
            before[code], after[code] = None, entry.as_dict()
        elif value_snapshot(current) != entry.as_dict():
            before[code] = value_snapshot(current)
            if entry.is_empty:
                to_delete.append(current.pk)
                after[code] = None
                continue
            for field, new in entry.as_dict().items():
                setattr(current, field, new)
            to_update.append(current)
            after[code] = entry.as_dict()
    if to_create:
        ActivityValue.objects.bulk_create(to_create)
    if to_update:
        ActivityValue.objects.bulk_update(
            to_update, ["value", "numerator", "denominator", "comment"]
        )
    if to_delete:
        ActivityValue.objects.filter(pk__in=to_delete).delete()
    return before, after


def _save_report(report: MonthlyReport, user: AbstractBaseUser, *fields: str) -> None:
    report.version += 1
    report.updated_by = user
    report.save(update_fields=["version", "updated_by", "updated_at", *fields])


@transaction.atomic
def report_save_draft(
    *,
    report: MonthlyReport,
    user: AbstractBaseUser,
    scope: UserScope,
    version: int,
    values: Mapping[int, ValueInput],
    narrative: str | None = None,
) -> MonthlyReport:
    locked = _lock(report)
    _require(
        scope.can_edit_unit(locked.sub_agreement.org_unit_id),
        _("You cannot enter figures for this unit."),
    )
    _check_version(locked, version)
    if not locked.is_editable:
        raise ValidationError(
            _("This month is %(status)s and can no longer be edited.")
            % {"status": locked.get_status_display().lower()}
        )
    before, after = _apply_values(report=locked, values=values)
    fields = []
    if narrative is not None and nfc(narrative) != locked.narrative:
        before["narrative"], after["narrative"] = locked.narrative, nfc(narrative)
        locked.narrative = nfc(narrative)
        fields.append("narrative")
    if not before and not after:
        return locked
    status_before = locked.status
    locked.status = Status.DRAFT
    _save_report(locked, user, "status", *fields)
    _record(
        report=locked,
        user=user,
        action=AuditEvent.Action.SAVE,
        status_before=status_before,
        before=before,
        after=after,
    )
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
    missing = list(
        Indicator.objects.filter(plan_id=locked.sub_agreement.parent_id)
        .exclude(values__report=locked)
        .order_by("task__order", "order", "code")
        .values_list("code", flat=True)
    )
    if missing:
        raise ValidationError(
            _(
                "Enter a figure (0 if nothing happened) for every indicator before submitting. "
                "Missing: %(codes)s."
            )
            % {"codes": ", ".join(missing)}
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
    status_before = locked.status
    locked.status = new_status
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    fields = ["status", "reviewed_at", "reviewed_by"]
    if reason:
        locked.return_reason = reason
        fields.append("return_reason")
    _save_report(locked, user, *fields)
    _record(report=locked, user=user, action=action, status_before=status_before, reason=reason)
    return locked


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
    report: MonthlyReport,
    user: AbstractBaseUser,
    scope: UserScope,
    version: int,
    values: Mapping[int, ValueInput],
    narrative: str | None = None,
) -> MonthlyReport:
    """Save the form and submit it as one step: if the submission is refused, nothing of the
    form is kept either, so the user sees exactly what they typed, with the reason."""
    saved = report_save_draft(
        report=report,
        user=user,
        scope=scope,
        version=version,
        values=values,
        narrative=narrative,
    )
    return report_submit(report=saved, user=user, scope=scope, version=saved.version)
