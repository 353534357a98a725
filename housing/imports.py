"""Import of a unit's existing house list from Excel: read (the bounded reader of
core/workbook.py) → validate every row → preview → confirm, as the monthly figures' import.

Rows without a house code are new houses; a row whose code is already a house of this unit is
skipped (so a file exported from the register can be uploaded again and changes nothing).
Confirming re-validates and writes every new house, with its household, in one transaction,
or nothing. The stored rows may hold personal data: they are emptied on confirm."""

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement
from audit.models import AuditEvent
from audit.services import audit_build, audit_record_bulk, model_snapshot
from core import calendar
from core.cells import CellError, is_blank, parse_count, unneutralise
from core.scope import UserScope
from core.text import nfc
from core.workbook import (
    ImportFileError,
    json_safe,
    letters,
    max_bytes,
    max_rows,
    open_workbook,
    read_sheet,
    size_text,
    sniff,
    stray_cell,
    too_many_rows,
)
from housing import rules, services
from housing.models import House, Household, HouseImportBatch, PersonalDataAccess
from housing.spreadsheet import HOUSE_COLUMNS, PERSONAL_COLUMNS, SHEET_NAME

BATCH_LIFETIME = timedelta(hours=6)
COLUMNS = dict(HOUSE_COLUMNS + PERSONAL_COLUMNS)
BY_HEADER = {nfc(header).casefold(): key for key, header in COLUMNS.items()}
# Read for the person, not imported: where a house lies is the unit the file is imported into.
INFORMATIONAL = {"unit", "former_district", "current_unit", "status"}
FUNDING = {
    "bộ công an": House.Funding.MINISTRY,
    "công an tỉnh": House.Funding.PROVINCE,
    "": House.Funding.MINISTRY,
}
CONSENT_WORDS = ("đồng ý", "consent")


def _rows_from(table) -> list[tuple[int, dict]]:
    iterator = iter(table)
    try:
        _number, header = next(iterator)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    header = list(header)
    names = letters(len(header))
    positions: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        if is_blank(cell):
            continue
        key = BY_HEADER.get(nfc(str(cell)).casefold())
        if key is None or key in positions:
            errors.append(
                _("Column %(column)s (“%(header)s”) is not a column of the house list.")
                % {"column": names[index], "header": nfc(str(cell))}
            )
        else:
            positions[key] = index
    if "commune" not in positions:
        errors.append(
            _("The first row must hold the column headers of the house list, at least “%(h)s”.")
            % {"h": COLUMNS["commune"]}
        )
    if errors:
        raise ImportFileError(errors)
    used = set(positions.values())
    rows = []
    for read, (number, values) in enumerate(iterator, start=1):
        if read > 2 * max_rows():
            raise too_many_rows()
        values = list(values)
        if all(is_blank(v) for v in values):
            continue
        stray = [i for i, v in enumerate(values) if i not in used and not is_blank(v)]
        if stray:
            raise stray_cell(number, stray[0] + 1)
        if len(rows) >= max_rows():
            raise too_many_rows()
        rows.append(
            (
                number,
                {
                    key: json_safe(values[i]) if i < len(values) else None
                    for key, i in positions.items()
                },
            )
        )
    if not rows:
        raise ImportFileError(_("The file has no houses under the header."))
    return rows


def read_house_file(content: bytes) -> list[tuple[int, dict]]:
    if len(content) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": size_text(max_bytes())}
        )
    if sniff(content) != "xlsx":
        raise ImportFileError(_("Upload the house list as an Excel workbook (.xlsx)."))
    workbook = open_workbook(content)
    names = {nfc(name): name for name in workbook.sheetnames}
    sheet = workbook[names[SHEET_NAME]] if SHEET_NAME in names else workbook.active
    rows, _merged = read_sheet(workbook, sheet, _rows_from)
    return rows


def _text(cells: dict, key: str) -> str:
    value = cells.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(nfc(str(value)))


def _date(cells: dict, key: str) -> dt.date | None:
    text = _text(cells, key)
    if not text:
        return None
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text[:10])
        except ValueError:
            continue
    raise CellError(
        _("“%(text)s” in “%(column)s” is not a date; write it as DD/MM/YYYY.")
        % {"text": text, "column": COLUMNS[key]}
    )


@dataclass
class ParsedRow:
    number: int
    status: str  # new, skipped, error
    messages: list[str] = field(default_factory=list)
    house: dict = field(default_factory=dict)
    household: dict | None = None

    def preview(self) -> dict:
        # No personal data in the preview: only whether a household comes with the house.
        return {
            "number": self.number,
            "status": self.status,
            "messages": self.messages,
            "commune": self.house.get("commune", ""),
            "village": self.house.get("village", ""),
            "house_status": str(House.Status(self.house["status"]).label)
            if self.house.get("status")
            else "",
            "funding": self.house.get("funding_label", ""),
            "amount": self.house.get("amount"),
            "household": self.household is not None,
        }


def _parse_row(number: int, cells: dict, *, existing: set[int], today: dt.date) -> ParsedRow:
    row = ParsedRow(number=number, status="new")
    errors = row.messages
    code = _text(cells, "code")
    if code:
        if code.isdigit() and int(code) in existing:
            row.status = "skipped"
            row.messages = [_("Already in the register (house %(code)s).") % {"code": code}]
            row.house = {"commune": _text(cells, "commune"), "village": _text(cells, "village")}
            return row
        errors.append(
            _("House code %(code)s is not a house of this unit; leave it empty for a new house.")
            % {"code": code}
        )
    funding_text = _text(cells, "funding")
    funding = FUNDING.get(funding_text.casefold(), House.Funding.OTHER)
    try:
        amount = parse_count(cells.get("amount")) or 0
    except CellError as error:
        errors.append(f"{COLUMNS['amount']}: {error}")
        amount = 0
    dates = {}
    for key in ("planned_completion", "started_on", "completed_on", "handed_over_on"):
        try:
            dates[key] = _date(cells, key)
        except CellError as error:
            errors.append(str(error))
            dates[key] = None
    # The status follows the dates of the steps taken; each step needs the one before.
    steps = [
        (House.Status.BUILDING, "started_on"),
        (House.Status.COMPLETED, "completed_on"),
        (House.Status.HANDED_OVER, "handed_over_on"),
    ]
    status = House.Status.PLANNED
    previous = None
    for step, key in steps:
        day = dates[key]
        if day is None:
            if any(dates[later] for _s, later in steps[steps.index((step, key)) + 1 :]):
                errors.append(
                    _("“%(column)s” is missing: a later step has a date.")
                    % {"column": COLUMNS[key]}
                )
            continue
        if day > today:
            errors.append(_("“%(column)s” is in the future.") % {"column": COLUMNS[key]})
        if previous is not None and day < previous:
            errors.append(_("“%(column)s” is before the previous step.") % {"column": COLUMNS[key]})
        previous, status = day, step
    row.house = {
        "commune": _text(cells, "commune"),
        "village": _text(cells, "village"),
        "funding_source": funding,
        "funding_name": funding_text if funding == House.Funding.OTHER else "",
        "funding_label": funding_text or str(House.Funding.MINISTRY.label),
        "amount": amount,
        "note": _text(cells, "note"),
        "status": status,
        **{key: value.isoformat() if value else None for key, value in dates.items()},
    }
    if not row.house["commune"]:
        errors.append(_("Enter the commune."))
    if amount > services.MAX_AMOUNT:
        errors.append(_("The amount is a whole number of đồng, from 0 to 1.000.000.000.000."))
    personal = {key: _text(cells, key) for key in ("head_name", "id_number", "phone")}
    if any(personal.values()):
        basis_text = _text(cells, "basis").casefold()
        basis = (
            Household.Basis.CONSENT
            if any(word in basis_text for word in CONSENT_WORDS)
            else Household.Basis.LEGAL_DUTY
        )
        try:
            consent_on = _date(cells, "consent_on")
        except CellError as error:
            errors.append(str(error))
            consent_on = None
        data = services.HouseholdInput(basis=basis, consent_on=consent_on, **personal)
        try:
            values = services.household_values(data)
        except ValidationError as error:
            errors.extend(m for ms in error.message_dict.values() for m in ms)
        else:
            if values.get("consent_on"):
                values["consent_on"] = values["consent_on"].isoformat()
            row.household = values
    if errors:
        row.status = "error"
    return row


@dataclass
class ImportResult:
    rows: list[ParsedRow]

    @property
    def has_errors(self) -> bool:
        return any(row.status == "error" for row in self.rows)

    def counts(self) -> dict:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def preview_json(self) -> dict:
        return {"rows": [row.preview() for row in self.rows], "counts": self.counts()}

    def digest(self) -> str:
        payload = [[r.number, r.status, r.house, r.household] for r in self.rows]
        return hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()


def _build(rows, *, sub_agreement: Agreement) -> ImportResult:
    existing = set(House.objects.filter(sub_agreement=sub_agreement).values_list("pk", flat=True))
    today = calendar.today()
    return ImportResult(
        [_parse_row(number, cells, existing=existing, today=today) for number, cells in rows]
    )


def _require(scope: UserScope, sub_agreement: Agreement) -> None:
    if not rules.can_edit_houses(scope, sub_agreement.org_unit_id):
        raise PermissionDenied(_("You cannot change this unit's housing register."))
    services.require_edit(scope, sub_agreement)  # and the plan still open


def house_import_create(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    sub_agreement: Agreement,
    file_name: str,
    content: bytes,
) -> HouseImportBatch:
    """Read and check an upload and keep it for the preview; nothing is written to the
    register. A file that cannot be read raises ImportFileError."""
    _require(scope, sub_agreement)
    rows = read_house_file(content)
    result = _build(rows, sub_agreement=sub_agreement)
    HouseImportBatch.objects.filter(
        user=user, created_at__lt=timezone.now() - BATCH_LIFETIME
    ).delete()
    return HouseImportBatch.objects.create(
        token=secrets.token_urlsafe(32),
        user=user,
        sub_agreement=sub_agreement,
        file_name=nfc(file_name)[:255],
        rows=[[number, cells] for number, cells in rows],
        preview=result.preview_json(),
        digest=result.digest(),
    )


def house_import_get(*, token: str, user: AbstractBaseUser) -> HouseImportBatch | None:
    return (
        HouseImportBatch.objects.filter(
            token=token, user=user, created_at__gte=timezone.now() - BATCH_LIFETIME
        )
        .select_related("sub_agreement__org_unit", "sub_agreement__parent")
        .first()
    )


def house_import_confirm(
    *, batch: HouseImportBatch, user: AbstractBaseUser, scope: UserScope
) -> int:
    """Write the previewed new houses (and households): all in one transaction, or none.
    Returns the number of houses added."""
    sub_agreement = batch.sub_agreement
    _require(scope, sub_agreement)
    with transaction.atomic():
        locked = HouseImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.confirmed_at is not None:
            raise ValidationError(_("This file was already imported."))
        result = _build(locked.rows, sub_agreement=sub_agreement)
        if result.has_errors:
            raise ValidationError(_("The file has errors; nothing was imported."))
        if result.digest() != locked.digest:
            raise ValidationError(
                _("The register changed since you saw the preview; upload the file again.")
            )
        new = [row for row in result.rows if row.status == "new"]
        houses = House.objects.bulk_create(
            [
                House(
                    sub_agreement=sub_agreement,
                    **{k: v for k, v in row.house.items() if k != "funding_label"},
                )
                for row in new
            ]
        )
        if any(house.pk is None for house in houses):  # a backend without RETURNING ids
            raise RuntimeError("bulk_create did not return ids")
        retention = rules.retention_default(sub_agreement)
        households = Household.objects.bulk_create(
            [
                Household(house=house, retention_until=retention, **row.household)
                for house, row in zip(houses, new, strict=True)
                if row.household
            ]
        )
        audit_record_bulk(
            audit_build(
                actor=user,
                action=AuditEvent.Action.IMPORT,
                object_type=services.HOUSE_TYPE,
                object_id=house.pk,
                after=model_snapshot(house),
                status_after=house.status,
                reason=_("Imported from %(file)s") % {"file": locked.file_name},
            )
            for house in houses
        )
        services.personal_access_log(
            user=user,
            action=PersonalDataAccess.Action.IMPORT,
            household_ids=[household.pk for household in households],
            note=locked.file_name,
        )
        locked.confirmed_at = timezone.now()
        locked.rows = []  # personal data is not kept beyond the import
        locked.save(update_fields=["confirmed_at", "rows"])
    return len(houses)
