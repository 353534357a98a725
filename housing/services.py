"""Writes to the housing register. Each function is one transaction that checks the user's
rights, changes the register and records it in the audit trail.

The trail never holds personal data: for a household it records which fields changed, never
their values (the trail is readable by provincial staff for years, longer than the data may
be kept). Every read, export or change of personal data also writes a ``PersonalDataAccess``
row, in the same request."""

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, fields

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities.models import MonthlyReport
from agreements.models import Agreement, OrgUnit, UnitSuccession
from agreements.selectors import plan_read_only_reason
from audit.models import AuditEvent
from audit.services import audit_record, model_snapshot, snapshot_diff
from core import calendar, stored_files, uploads
from core.scope import UserScope
from core.text import nfc
from housing import rules
from housing.models import House, Household, HousePhoto, PersonalDataAccess

Status = House.Status
HOUSE_TYPE = "housing.house"
HOUSEHOLD_TYPE = "housing.household"
# A house costs tens to hundreds of millions of đồng; a trillion is a typing error.
MAX_AMOUNT = 10**12
PERSONAL_FIELDS = ("head_name", "id_number", "phone")
STATUS_DATE = {
    Status.BUILDING: "started_on",
    Status.COMPLETED: "completed_on",
    Status.HANDED_OVER: "handed_over_on",
}
_PHONE = re.compile(r"\+?[0-9]{9,12}")


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class HouseInput:
    commune: str
    village: str = ""
    funding_source: str = House.Funding.MINISTRY
    funding_name: str = ""
    amount: int = 0
    planned_completion: dt.date | None = None
    current_unit_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class HouseholdInput:
    head_name: str = ""
    id_number: str = ""
    phone: str = ""
    basis: str = Household.Basis.LEGAL_DUTY
    consent_on: dt.date | None = None
    basis_note: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.head_name or self.id_number or self.phone)


# --- Checks ---------------------------------------------------------------------------------


def require_edit(scope: UserScope, sub_agreement: Agreement) -> None:
    if not rules.can_edit_houses(scope, sub_agreement.org_unit_id):
        raise PermissionDenied(_("You cannot change this unit's housing register."))
    reason = plan_read_only_reason(sub_agreement)
    if reason:
        raise ValidationError(reason, code="plan_closed")


def _require_personal(scope: UserScope, sub_agreement: Agreement) -> None:
    if not rules.can_see_personal(scope, sub_agreement.org_unit_id):
        raise PermissionDenied(_("You cannot see or change households' personal data."))


def current_unit_choices(sub_agreement: Agreement) -> list[OrgUnit]:
    """The units a house of this sub-agreement may lie in now: its own unit and the units
    that took over from it in a reform. One query."""
    successor_ids = UnitSuccession.objects.filter(predecessor_id=sub_agreement.org_unit_id).values(
        "successor_id"
    )
    units = OrgUnit.objects.filter(pk__in=successor_ids).order_by("name")
    return [sub_agreement.org_unit, *units]


def id_number_clean(text: str) -> str:
    """A CCCD as typed ("0401 2345 6789") → its 12 digits, or a ValidationError."""
    digits = re.sub(r"[\s.\-]", "", nfc(text))
    if digits and not re.fullmatch(r"[0-9]{12}", digits):
        raise ValidationError(
            {"id_number": _("The citizen ID number (CCCD) has exactly 12 digits.")}
        )
    return digits


def phone_clean(text: str) -> str:
    phone = re.sub(r"[\s.\-()]", "", nfc(text))
    if phone and not _PHONE.fullmatch(phone):
        raise ValidationError({"phone": _("Enter the phone number as digits, e.g. 0912345678.")})
    return phone


def _house_values(data: HouseInput, sub_agreement: Agreement) -> dict:
    errors = {}
    commune = nfc(data.commune)
    if not commune:
        errors["commune"] = _("Enter the commune.")
    if data.funding_source not in House.Funding.values:
        errors["funding_source"] = _("Choose a funding source.")
    funding_name = nfc(data.funding_name)
    if data.funding_source == House.Funding.OTHER and not funding_name:
        errors["funding_name"] = _("Name the other funding source.")
    if data.funding_source != House.Funding.OTHER:
        funding_name = ""
    amount = data.amount
    if not isinstance(amount, int) or amount < 0 or amount > MAX_AMOUNT:
        errors["amount"] = _("The amount is a whole number of đồng, from 0 to 1.000.000.000.000.")
    current_unit_id = data.current_unit_id
    if current_unit_id == sub_agreement.org_unit_id:
        current_unit_id = None
    if current_unit_id is not None and current_unit_id not in {
        unit.pk for unit in current_unit_choices(sub_agreement)
    }:
        errors["current_unit_id"] = _(
            "The current unit must be this unit or one that took over from it."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "commune": commune,
        "village": nfc(data.village),
        "funding_source": data.funding_source,
        "funding_name": funding_name,
        "amount": amount,
        "planned_completion": data.planned_completion,
        "current_unit_id": current_unit_id,
        "note": nfc(data.note),
    }


def household_values(data: HouseholdInput) -> dict:
    errors = {}
    values = {"head_name": nfc(data.head_name), "basis_note": nfc(data.basis_note)}
    for key, clean in (("id_number", id_number_clean), ("phone", phone_clean)):
        try:
            values[key] = clean(getattr(data, key))
        except ValidationError as error:
            errors.update(error.message_dict)
    if data.basis not in Household.Basis.values:
        errors["basis"] = _("Choose the lawful basis of the processing.")
    if data.basis == Household.Basis.CONSENT and data.consent_on is None:
        errors["consent_on"] = _("Enter the date the household gave its consent.")
    if data.consent_on and data.consent_on > calendar.today():
        errors["consent_on"] = _("The date of consent cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    values["basis"] = data.basis
    values["consent_on"] = data.consent_on if data.basis == Household.Basis.CONSENT else None
    return values


# --- Personal data: reads are logged --------------------------------------------------------


def personal_access_log(
    *,
    user: AbstractBaseUser | None,
    action: str,
    household_ids: Iterable[int],
    note: str = "",
) -> PersonalDataAccess | None:
    """One log row for a read, export or change of these households' personal data; none
    when the list is empty (nothing personal was shown)."""
    ids = sorted(set(household_ids))
    if not ids:
        return None
    return PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        household_ids=ids,
        note=note[:300],
    )


def household_read(
    *, user: AbstractBaseUser, scope: UserScope, house: House, action: str
) -> Household | None:
    """The household of a house for a page or a file that shows its personal data: checks
    the right and logs the read. The only way views get a household."""
    _require_personal(scope, house.sub_agreement)
    household = Household.objects.filter(house=house).first()
    if household is not None and household.anonymised_at is None:
        personal_access_log(user=user, action=action, household_ids=[household.pk])
    return household


# --- Houses ---------------------------------------------------------------------------------


def _household_write(
    *, user: AbstractBaseUser, house: House, data: HouseholdInput, reason: str = ""
) -> Household | None:
    values = household_values(data)
    household = Household.objects.select_for_update().filter(house=house).first()
    if household is None:
        if data.is_empty:
            return None
        household = Household(
            house=house, retention_until=rules.retention_default(house.sub_agreement)
        )
        changed = [key for key, value in values.items() if value]
    else:
        if household.anonymised_at is not None and not data.is_empty:
            raise ValidationError(
                _("This household's personal data was anonymised; it cannot be filled again.")
            )
        changed = [key for key, value in values.items() if getattr(household, key) != value]
        if not changed:
            return household
    for key, value in values.items():
        setattr(household, key, value)
    household.full_clean(exclude=["house"])
    creating = household.pk is None
    household.save()
    # Which fields changed, never what they hold.
    audit_record(
        actor=user,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSEHOLD_TYPE,
        object_id=household.pk,
        after={"house": house.pk, "changed_fields": sorted(changed)},
        reason=reason or (_("Household recorded") if creating else _("Household corrected")),
    )
    if any(key in PERSONAL_FIELDS for key in changed):
        personal_access_log(
            user=user, action=PersonalDataAccess.Action.CORRECT, household_ids=[household.pk]
        )
    return household


@transaction.atomic
def house_create(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    sub_agreement: Agreement,
    data: HouseInput,
    household: HouseholdInput | None = None,
) -> House:
    require_edit(scope, sub_agreement)
    if household is not None and not household.is_empty:
        _require_personal(scope, sub_agreement)
    house = House(sub_agreement=sub_agreement, **_house_values(data, sub_agreement))
    house.full_clean()
    house.save()
    audit_record(
        actor=user,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSE_TYPE,
        object_id=house.pk,
        after=model_snapshot(house),
        status_after=house.status,
        reason=_("House added to the register"),
    )
    if household is not None and not household.is_empty:
        _household_write(user=user, house=house, data=household)
    return house


@transaction.atomic
def house_update(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    house: House,
    data: HouseInput,
    household: HouseholdInput | None = None,
) -> House:
    """Change a house's details (not its status: see ``house_advance``) and, for users with
    the right, correct its household (a data subject's request goes through here too)."""
    require_edit(scope, house.sub_agreement)
    if household is not None:
        _require_personal(scope, house.sub_agreement)
    locked = House.objects.select_for_update().get(pk=house.pk)
    before = model_snapshot(locked)
    for key, value in _house_values(data, house.sub_agreement).items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save()
    before, after = snapshot_diff(before, model_snapshot(locked))
    after.pop("updated_at", None)
    before.pop("updated_at", None)
    if after:
        audit_record(
            actor=user,
            action=AuditEvent.Action.SAVE,
            object_type=HOUSE_TYPE,
            object_id=locked.pk,
            before=before,
            after=after,
            reason=_("House details changed"),
        )
    if household is not None:
        _household_write(user=user, house=locked, data=household)
    return locked


@transaction.atomic
def house_advance(
    *, user: AbstractBaseUser, scope: UserScope, house: House, to_status: str, on: dt.date
) -> House:
    """Move a house one step forward (planned → under construction → completed → handed
    over), on a day that is not in the future and not before the previous step."""
    require_edit(scope, house.sub_agreement)
    locked = House.objects.select_for_update().get(pk=house.pk)
    expected = locked.next_status
    if expected is None:
        raise ValidationError(_("The house has been handed over: there is no further step."))
    if to_status != expected:
        raise ValidationError(
            _("A house moves one step at a time: from “%(current)s” the next step is “%(next)s”.")
            % {
                "current": locked.get_status_display(),
                "next": Status(expected).label,
            }
        )
    if on is None:
        raise ValidationError({"on": _("Enter the date of this step.")})
    if on > calendar.today():
        raise ValidationError({"on": _("The date %(date)s is in the future.") % {"date": _day(on)}})
    previous = {
        Status.COMPLETED: locked.started_on,
        Status.HANDED_OVER: locked.completed_on,
    }.get(expected)
    if previous is not None and on < previous:
        raise ValidationError(
            {
                "on": _("The date cannot be before the previous step (%(date)s).")
                % {"date": _day(previous)}
            }
        )
    before_status = locked.status
    field = STATUS_DATE[expected]
    setattr(locked, field, on)
    locked.status = expected
    locked.save(update_fields=["status", field, "updated_at"])
    audit_record(
        actor=user,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSE_TYPE,
        object_id=locked.pk,
        before={"status": before_status},
        after={"status": expected, field: on.isoformat()},
        status_before=before_status,
        status_after=expected,
        reason=_("House status changed"),
    )
    return locked


def _backing_approved_month(house: House) -> dt.date | None:
    """The approved month whose figures count this house's completion, if there is one."""
    if house.completed_on is None:
        return None
    month = calendar.report_month_of(house.completed_on, calendar.rule_of(house.sub_agreement))
    approved = MonthlyReport.objects.filter(
        sub_agreement_id=house.sub_agreement_id,
        month=month,
        status=MonthlyReport.Status.APPROVED,
    ).exists()
    return month if approved else None


@transaction.atomic
def house_delete(*, user: AbstractBaseUser, scope: UserScope, house: House) -> None:
    """Remove a house entered by mistake. Refused when its completion is counted in an
    approved month: the evidence behind an official figure stays."""
    require_edit(scope, house.sub_agreement)
    locked = House.objects.select_for_update().get(pk=house.pk)
    month = _backing_approved_month(locked)
    if month is not None:
        raise ValidationError(
            _(
                "This house's completion is counted in the approved month %(month)s; it "
                "cannot be deleted. Ask provincial staff to reopen the month first."
            )
            % {"month": f"{month:%m/%Y}"}
        )
    files = [
        (photo.image.storage, name)
        for photo in locked.photos.all()
        for name in (photo.image.name, photo.thumbnail.name)
        if name  # a thumbnail not made yet has no file
    ]
    before = model_snapshot(locked)
    # The household goes with its house (its id only: the trail holds no personal data).
    household_id = Household.objects.filter(house=locked).values_list("pk", flat=True).first()
    if household_id is not None:
        before["household"] = household_id
    pk = locked.pk
    locked.delete()
    audit_record(
        actor=user,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSE_TYPE,
        object_id=pk,
        before=before,
        status_before=before["status"],
        status_after="deleted",
        reason=_("House deleted from the register"),
    )

    def remove_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)


@stored_files.undo_on_error
def house_photo_add(
    *, user: AbstractBaseUser, scope: UserScope, house: House, upload
) -> HousePhoto:
    """Check and re-encode a photo (no EXIF or GPS kept) and store it under a random name.
    The costly decoding happens before the transaction; the thumbnail is made by the worker
    once the row is committed (``housing.tasks``)."""
    require_edit(scope, house.sub_agreement)
    clean = uploads.clean_upload(upload, allowed=uploads.IMAGES)
    name = secrets.token_hex(16)
    with transaction.atomic():
        photo = HousePhoto(
            house=house,
            content_type=clean.content_type,
            width=clean.width,
            height=clean.height,
            uploaded_by=user,
        )
        stored_files.save(photo.image, f"{name}.{clean.extension}", ContentFile(clean.content))
        photo.save()
        audit_record(
            actor=user,
            action=AuditEvent.Action.SAVE,
            object_type=HOUSE_TYPE,
            object_id=house.pk,
            after={"photo_added": photo.pk},
            reason=_("Photo added"),
        )
        pk = photo.pk
        transaction.on_commit(lambda: house_photo_thumbnail_enqueue(photo_id=pk))
    return photo


def house_photo_thumbnail_enqueue(*, photo_id: int) -> None:
    from housing.tasks import house_photo_thumbnail_task

    house_photo_thumbnail_task.enqueue(photo_id=str(photo_id))


@stored_files.undo_on_error
def house_photo_thumbnail_make(*, photo_id: int) -> HousePhoto | None:
    """The thumbnail of a stored photo (the worker's task). Idempotent: a photo that has one
    keeps it; a photo deleted meanwhile leaves no file behind."""
    photo = HousePhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return photo
    with photo.image.open("rb") as stored:
        content = stored.read()
    kind = uploads.PNG if photo.content_type == "image/png" else uploads.JPEG
    small = uploads.thumbnail(uploads.CleanFile(kind=kind, content=content))
    stored_files.save(photo.thumbnail, f"{secrets.token_hex(16)}.jpg", ContentFile(small))
    updated = HousePhoto.objects.filter(pk=photo.pk, thumbnail="").update(
        thumbnail=photo.thumbnail.name
    )
    if not updated:
        photo.thumbnail.storage.delete(photo.thumbnail.name)
        return HousePhoto.objects.filter(pk=photo.pk).first()
    return photo


# --- Data-subject requests and retention ----------------------------------------------------


def household_export(*, user: AbstractBaseUser, scope: UserScope, house: House) -> dict:
    """Everything the register holds about one household, for the data subject (logged)."""
    household = household_read(
        user=user, scope=scope, house=house, action=PersonalDataAccess.Action.SUBJECT_EXPORT
    )
    if household is None:
        raise ValidationError(_("No household is recorded for this house."))
    data = {
        field.name: getattr(household, field.name)
        for field in Household._meta.concrete_fields
        if field.name not in ("id", "house")
    }
    for key, value in list(data.items()):
        if isinstance(value, dt.datetime):
            data[key] = timezone.localtime(value).isoformat()
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
    data["basis_label"] = str(household.get_basis_display())
    data["house"] = {
        "id": house.pk,
        "unit": house.sub_agreement.org_unit.name,
        "commune": house.commune,
        "village": house.village,
        "funding_source": house.funding_label,
        "amount": house.amount,
        "status": str(house.get_status_display()),
        "planned_completion": house.planned_completion and house.planned_completion.isoformat(),
        "completed_on": house.completed_on and house.completed_on.isoformat(),
        "handed_over_on": house.handed_over_on and house.handed_over_on.isoformat(),
    }
    return data


def _anonymise(households: list[Household], *, now: dt.datetime) -> None:
    Household.objects.filter(pk__in=[h.pk for h in households]).update(
        head_name="", id_number="", phone="", anonymised_at=now
    )


@transaction.atomic
def household_anonymise(
    *, user: AbstractBaseUser, scope: UserScope, house: House, reason: str
) -> Household:
    """A data subject's request to delete their data. Granted when the household's data is
    processed on its consent (withdrawing consent ends the processing), or once its retention
    date has passed. Refused while a legal duty of the state body requires keeping it (the
    record of state-funded support is kept until the retention date; Decree 13/2023 art. 16,
    Law 91/2025 art. 14)."""
    require_edit(scope, house.sub_agreement)
    _require_personal(scope, house.sub_agreement)
    reason = nfc(reason)
    if not reason:
        raise ValidationError({"reason": _("Say who asked and why (the request).")})
    household = Household.objects.select_for_update().filter(house=house).first()
    if household is None:
        raise ValidationError(_("No household is recorded for this house."))
    if household.anonymised_at is not None:
        raise ValidationError(_("This household's personal data was already anonymised."))
    today = calendar.today()
    if household.basis == Household.Basis.LEGAL_DUTY and today <= household.retention_until:
        raise ValidationError(
            _(
                "This household's data is kept under a legal duty of the state body (the "
                "record of state-funded support) until %(date)s; it cannot be deleted before "
                "then. Its data can still be corrected, and the household can get a copy."
            )
            % {"date": _day(household.retention_until)}
        )
    _anonymise([household], now=timezone.now())
    personal_access_log(
        user=user,
        action=PersonalDataAccess.Action.ANONYMISE,
        household_ids=[household.pk],
        note=reason,
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSEHOLD_TYPE,
        object_id=household.pk,
        after={"house": house.pk, "changed_fields": list(PERSONAL_FIELDS), "anonymised": True},
        reason=_("Household anonymised at the data subject's request"),
    )
    household.refresh_from_db()
    return household


@transaction.atomic
def households_anonymise_expired(*, today: dt.date | None = None) -> int:
    """Anonymise every household whose retention date has passed (the day after it, local
    time). Idempotent: anonymised households are not touched again. Returns how many."""
    today = today or calendar.today()
    expired = list(
        Household.objects.select_for_update()
        .filter(anonymised_at__isnull=True, retention_until__lt=today)
        .only("pk", "house_id")
    )
    if not expired:
        return 0
    _anonymise(expired, now=timezone.now())
    ids = [h.pk for h in expired]
    personal_access_log(
        user=None,
        action=PersonalDataAccess.Action.ANONYMISE,
        household_ids=ids,
        note=_("Retention date passed"),
    )
    audit_record(
        actor=None,
        action=AuditEvent.Action.SAVE,
        object_type=HOUSEHOLD_TYPE,
        object_id="",
        after={"anonymised": ids, "changed_fields": list(PERSONAL_FIELDS)},
        reason=_("Retention date passed: %(count)s households anonymised") % {"count": len(ids)},
    )
    return len(ids)


def house_input_fields() -> tuple[str, ...]:
    return tuple(field.name for field in fields(HouseInput))
