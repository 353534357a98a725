"""Writes of activity records: create, change, delete, each with its attachments, in one
transaction that also writes the audit trail.

The rules: only the unit's district officer (or provincial staff) writes; the date lies
within the sub-agreement and not in the future; a closed plan takes nothing; a record that
backs an **approved** month keeps its date and amounts and cannot be deleted until provincial
staff reopen the month (the approved figure would lose evidence it was approved on)."""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities.models import MonthlyReport
from agreements.models import Agreement, Indicator
from agreements.selectors import plan_read_only_reason
from audit.models import AuditEvent
from audit.services import audit_record
from core import calendar, stored_files, uploads
from core.scope import UserScope
from core.text import nfc
from records.models import (
    MAX_AMOUNT,
    MAX_PARTICIPANTS,
    ActivityRecord,
    Attachment,
    RecordAmount,
    RecordType,
)
from records.search import fold

OBJECT_TYPE = "records.activityrecord"
MAX_FILES = 10
Action = AuditEvent.Action


def _short_date(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _check_can_write(*, sub_agreement: Agreement, scope: UserScope) -> None:
    if not scope.can_edit_unit(sub_agreement.org_unit_id):
        raise PermissionDenied
    reason = plan_read_only_reason(sub_agreement)
    if reason:
        raise ValidationError(reason, code="plan_closed")


def record_month(*, sub_agreement: Agreement, day: dt.date) -> dt.date:
    """The report month a record's date falls in, under the plan's period rule."""
    return calendar.report_month_of(day, calendar.rule_of(sub_agreement))


def _check_date(*, sub_agreement: Agreement, day: dt.date) -> dt.date:
    if day > calendar.today():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    month = record_month(sub_agreement=sub_agreement, day=day)
    if not (sub_agreement.start_date <= day <= sub_agreement.end_date) or not (
        calendar.in_agreement(sub_agreement, month)
    ):
        raise ValidationError(
            {
                "date": _("The date must lie within the agreement (%(start)s – %(end)s).")
                % {
                    "start": _short_date(sub_agreement.start_date),
                    "end": _short_date(sub_agreement.end_date),
                }
            }
        )
    return month


def _approved_refusal(month: dt.date) -> ValidationError:
    return ValidationError(
        _(
            "The month %(month)s is approved and this record backs its figures: it cannot be "
            "deleted, nor its date or amounts changed. Ask provincial staff to reopen the "
            "month first."
        )
        % {"month": month.strftime("%m/%Y")},
        code="month_approved",
    )


def _check_month_not_approved(*, sub_agreement: Agreement, month: dt.date) -> None:
    # Locked, so an approval cannot slip in between this check and the change.
    approved = (
        MonthlyReport.objects.select_for_update()
        .filter(sub_agreement=sub_agreement, month=month, status=MonthlyReport.Status.APPROVED)
        .exists()
    )
    if approved:
        raise _approved_refusal(month)


def default_amounts(
    *, record_type: RecordType, sub_agreement: Agreement, participants: int | None
) -> dict[int, int]:
    """What a record of the type counts by default, for the sub-agreement's plan (the type
    names its indicators by code)."""
    defaults = list(record_type.indicator_defaults.all())
    by_code = dict(
        Indicator.objects.filter(
            plan_id=sub_agreement.plan.pk,
            code__in=[d.indicator_code for d in defaults],
            aggregation=Indicator.Aggregation.SUM,
        ).values_list("code", "pk")
    )
    amounts = {}
    for default in defaults:
        pk = by_code.get(default.indicator_code)
        amount = (participants or 0) if default.from_participants else default.amount
        if pk is not None and amount:
            amounts[pk] = min(amount, MAX_AMOUNT)
    return amounts


def _clean_amounts(*, sub_agreement: Agreement, amounts: Mapping[int, int | None]) -> dict:
    chosen = {pk: amount for pk, amount in amounts.items() if amount}
    for amount in chosen.values():
        if not isinstance(amount, int) or amount < 0 or amount > MAX_AMOUNT:
            raise ValidationError(
                {"amounts": _("Each amount is a whole number from 0 to 1.000.000.")}
            )
    indicators = Indicator.objects.filter(
        pk__in=list(chosen),
        plan_id=sub_agreement.plan.pk,
        aggregation=Indicator.Aggregation.SUM,
    ).values_list("pk", flat=True)
    if set(indicators) != set(chosen):
        # Only the plan's counted (sum) indicators take amounts from records: a stock or a
        # ratio is reported as a level, not added up from activities.
        raise ValidationError({"amounts": _("Choose indicators of this plan that are counted.")})
    return chosen


def _clean_text(*, place: str, description: str, participants: int | None) -> tuple[str, str]:
    place, description = nfc(place), nfc(description)
    errors = {}
    if not place:
        errors["place"] = _("Say where the activity took place.")
    elif len(place) > 200:
        errors["place"] = _("At most 200 characters.")
    if not description:
        errors["description"] = _("Describe the activity in a sentence or two.")
    elif len(description) > 2000:
        errors["description"] = _("At most 2.000 characters.")
    if participants is not None and not 0 <= participants <= MAX_PARTICIPANTS:
        errors["participants"] = _("Enter a number of participants from 0 to 1.000.000.")
    if errors:
        raise ValidationError(errors)
    return place, description


def _clean_files(files: Sequence) -> list[tuple[str, uploads.CleanFile]]:
    """Every upload checked before anything is written: one bad file refuses the whole save,
    with the file's name in the message."""
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": _("At most %(count)s files at a time.") % {"count": MAX_FILES}}
        )
    cleaned = []
    for upload in files:
        name = nfc(getattr(upload, "name", "") or "")[-200:]
        try:
            cleaned.append((name, uploads.clean_upload(upload)))
        except ValidationError as error:
            raise ValidationError(
                {"files": [f"{name}: {message}" for message in error.messages]}
            ) from error
    return cleaned


def _store(record: ActivityRecord, cleaned: Iterable[tuple[str, uploads.CleanFile]]) -> list:
    stored = []
    for name, clean in cleaned:
        attachment = Attachment(
            record=record,
            original_name=name,
            kind=clean.kind,
            content_type=clean.content_type,
            size=len(clean.content),
            width=clean.width,
            height=clean.height,
        )
        stored_files.save(attachment.file, f"upload.{clean.extension}", ContentFile(clean.content))
        attachment.save()
        stored.append(attachment)
    images = [a.pk for a in stored if a.is_image]
    if images:
        # The worker makes the thumbnails once the rows are committed and visible to it.
        transaction.on_commit(lambda: attachment_thumbnails_enqueue(attachment_ids=images))
    return stored


def attachment_thumbnails_enqueue(*, attachment_ids: Sequence[int]) -> None:
    from records.tasks import attachment_thumbnail_task

    for pk in attachment_ids:
        attachment_thumbnail_task.enqueue(attachment_id=str(pk))


def attachment_thumbnail_make(*, attachment_id: int) -> Attachment | None:
    """The thumbnail of a stored image (the worker's task). Idempotent: a second run for an
    attachment that already has one changes nothing."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or not attachment.is_image or attachment.thumbnail:
        return attachment
    with attachment.file.open("rb") as stored:
        content = stored.read()
    small = uploads.thumbnail(uploads.CleanFile(kind=attachment.kind, content=content))
    return _thumbnail_store(attachment, small)


@stored_files.undo_on_error
def _thumbnail_store(attachment: Attachment, small: bytes) -> Attachment:
    stored_files.save(attachment.thumbnail, "thumb.jpg", ContentFile(small))
    updated = Attachment.objects.filter(pk=attachment.pk, thumbnail="").update(
        thumbnail=attachment.thumbnail.name
    )
    if not updated:
        # Deleted meanwhile, or another run got there first: this file is nobody's.
        attachment.thumbnail.storage.delete(attachment.thumbnail.name)
        return Attachment.objects.filter(pk=attachment.pk).first()
    return attachment


def _files_delete_on_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def delete():
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete)


def record_snapshot(record: ActivityRecord) -> dict:
    """What the trail keeps of a record: its fields, its amounts by indicator code and its
    files by name."""
    return {
        "record_type": record.record_type.name,
        "date": record.date.isoformat(),
        "place": record.place,
        "participants": record.participants,
        "description": record.description,
        "amounts": {
            amount.indicator.code: amount.amount
            for amount in record.amounts.select_related("indicator").order_by("indicator__code")
        },
        "attachments": sorted(a.original_name for a in record.attachments.all()),
    }


def _write_amounts(record: ActivityRecord, amounts: Mapping[int, int]) -> None:
    RecordAmount.objects.filter(record=record).delete()
    RecordAmount.objects.bulk_create(
        RecordAmount(record=record, indicator_id=pk, amount=amount)
        for pk, amount in amounts.items()
    )


@stored_files.undo_on_error
@transaction.atomic
def record_create(
    *,
    sub_agreement: Agreement,
    user: AbstractBaseUser,
    scope: UserScope,
    record_type: RecordType,
    date: dt.date,
    place: str,
    description: str,
    participants: int | None = None,
    amounts: Mapping[int, int | None] | None = None,
    files: Sequence = (),
) -> ActivityRecord:
    """A new record with its attachments. Without ``amounts`` it counts what its type
    counts by default."""
    _check_can_write(sub_agreement=sub_agreement, scope=scope)
    place, description = _clean_text(
        place=place, description=description, participants=participants
    )
    month = _check_date(sub_agreement=sub_agreement, day=date)
    if amounts is None:
        amounts = default_amounts(
            record_type=record_type, sub_agreement=sub_agreement, participants=participants
        )
    chosen = _clean_amounts(sub_agreement=sub_agreement, amounts=amounts)
    cleaned = _clean_files(files)
    record = ActivityRecord.objects.create(
        sub_agreement=sub_agreement,
        record_type=record_type,
        date=date,
        month=month,
        place=place,
        participants=participants,
        description=description,
        search_text=fold(f"{place} {description}"),
        created_by=user,
        updated_by=user,
    )
    _write_amounts(record, chosen)
    _store(record, cleaned)
    audit_record(
        actor=user,
        action=Action.RECORD_ADD,
        object_type=OBJECT_TYPE,
        object_id=record.pk,
        after=record_snapshot(record),
    )
    return record


def _lock_record(record: ActivityRecord) -> ActivityRecord:
    return (
        ActivityRecord.objects.select_for_update().select_related("record_type").get(pk=record.pk)
    )


@stored_files.undo_on_error
@transaction.atomic
def record_update(
    *,
    record: ActivityRecord,
    user: AbstractBaseUser,
    scope: UserScope,
    record_type: RecordType,
    date: dt.date,
    place: str,
    description: str,
    participants: int | None = None,
    amounts: Mapping[int, int | None],
    files: Sequence = (),
    remove_attachment_ids: Iterable[int] = (),
) -> ActivityRecord:
    """Change a record, add files and remove some. Its date and amounts stay as they are
    while the month it backs is approved."""
    sub_agreement = record.sub_agreement
    _check_can_write(sub_agreement=sub_agreement, scope=scope)
    locked = _lock_record(record)
    place, description = _clean_text(
        place=place, description=description, participants=participants
    )
    month = _check_date(sub_agreement=sub_agreement, day=date)
    chosen = _clean_amounts(sub_agreement=sub_agreement, amounts=amounts)
    current = dict(locked.amounts.values_list("indicator_id", "amount"))
    if date != locked.date or chosen != current:
        _check_month_not_approved(sub_agreement=sub_agreement, month=locked.month)
    cleaned = _clean_files(files)
    before = record_snapshot(locked)
    removed = list(locked.attachments.filter(pk__in=list(remove_attachment_ids)))
    locked.record_type = record_type
    locked.date, locked.month = date, month
    locked.place, locked.description, locked.participants = place, description, participants
    locked.search_text = fold(f"{place} {description}")
    locked.updated_by = user
    locked.save()
    if chosen != current:
        _write_amounts(locked, chosen)
    if removed:
        _files_delete_on_commit([n for a in removed for n in (a.file.name, a.thumbnail.name)])
        Attachment.objects.filter(pk__in=[a.pk for a in removed]).delete()
    _store(locked, cleaned)
    after = record_snapshot(locked)
    changed = {key for key in {*before, *after} if before.get(key) != after.get(key)}
    if changed:
        audit_record(
            actor=user,
            action=Action.RECORD_CHANGE,
            object_type=OBJECT_TYPE,
            object_id=locked.pk,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return locked


@transaction.atomic
def record_delete(*, record: ActivityRecord, user: AbstractBaseUser, scope: UserScope) -> None:
    """Delete a record and its files, unless it backs an approved month."""
    sub_agreement = record.sub_agreement
    _check_can_write(sub_agreement=sub_agreement, scope=scope)
    locked = _lock_record(record)
    _check_month_not_approved(sub_agreement=sub_agreement, month=locked.month)
    before = record_snapshot(locked)
    names = [n for a in locked.attachments.all() for n in (a.file.name, a.thumbnail.name)]
    pk = locked.pk
    locked.delete()
    _files_delete_on_commit(names)
    audit_record(
        actor=user,
        action=Action.RECORD_DELETE,
        object_type=OBJECT_TYPE,
        object_id=pk,
        before=before,
    )
