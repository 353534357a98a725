"""Import of monthly figures from xlsx or csv: read → validate every row → preview → confirm.

Why not django-import-export's import flow: its per-row saves are slow (pitfalls.md), and its
bulk mode gives neither per-row error messages nor all-or-nothing writes. Here every row is
validated first with a fixed number of queries; the preview is a diff against the database;
confirming re-validates under row locks and writes everything with bulk operations in one
transaction, or nothing."""

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.import_files import (  # noqa: F401 (re-exported for existing callers)
    DEFAULT_MAX_ROWS,
    ImportFileError,
    RawRow,
    blank,
    header_map,
    json_safe,
    letters,
    max_bytes,
    max_rows,
    read_csv,
    read_upload,
    read_xlsx,
    rows_from_table,
    size_text,
    sniff,
)
from activities.models import ActivityValue, ImportBatch, MonthlyReport
from activities.services import FigureChange, ReportChange, ValueInput, figure_errors, figures_write
from activities.spreadsheet import HEADER, NUMBER_COLUMNS
from agreements.models import Agreement, Indicator
from audit.models import AuditEvent
from core import calendar
from core.cells import CellError, parse_count, parse_month_cell, unneutralise
from core.scope import UserScope
from core.text import nfc

Status = MonthlyReport.Status

BATCH_LIFETIME = timedelta(hours=12)


# --- Reading -------------------------------------------------------------------------------
# In activities/import_files.py (zip checks, streaming sheet reader, limits); the old private
# names stay importable from here for the code and tests that use them.

_json_safe = json_safe
_blank = blank
_sniff = sniff
_header_map = header_map
_rows_from_table = rows_from_table
_letters = letters
_read_xlsx = read_xlsx
_read_csv = read_csv


# --- Validation ----------------------------------------------------------------------------

@dataclass
class PreviewRow:
    number: int
    status: str  # new, changed, unchanged, locked, skipped, error
    unit: str = ""
    indicator: str = ""
    month: str = ""
    old: dict | None = None
    new: dict | None = None
    messages: list[str] = field(default_factory=list)
    # Where the row goes, for the write; not shown.
    target: tuple[int, int, str] | None = None

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "status": self.status,
            "unit": self.unit,
            "indicator": self.indicator,
            "month": self.month,
            "old": self.old,
            "new": self.new,
            "messages": self.messages,
        }


@dataclass
class ImportPlan:
    rows: list[PreviewRow]
    file_errors: list[str]
    reports: dict  # (sub_agreement_id, month) → MonthlyReport (existing ones)
    existing: dict  # (report_id, indicator_id) → ActivityValue
    indicators: dict = dataclasses.field(default_factory=dict)  # id → Indicator

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {s: counts.get(s, 0) for s in PREVIEW_STATUSES}

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.status == "error" for row in self.rows)

    @property
    def changes(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.status in ("new", "changed")]

    def digest(self) -> str:
        """Fingerprint of what confirming would do, to detect changes since the preview."""
        # Messages are left out: they depend on the interface language, the outcome does not.
        material = [(row.number, row.status, row.target, row.old, row.new) for row in self.rows]
        return hashlib.sha256(
            json.dumps([material, len(self.file_errors)], default=str).encode()
        ).hexdigest()

    def preview_json(self) -> dict:
        return {
            "rows": [row.as_json() for row in self.rows],
            "file_errors": self.file_errors,
            "counts": self.counts,
        }


PREVIEW_STATUSES = ("new", "changed", "unchanged", "locked", "skipped", "error")


def _figures(value: int | None, numerator, denominator, comment: str) -> dict:
    return {"value": value, "numerator": numerator, "denominator": denominator, "comment": comment}


def _snapshot(value: ActivityValue) -> dict:
    return _figures(value.value, value.numerator, value.denominator, value.comment)


def import_plan_build(
    *,
    rows: list[RawRow],
    scope: UserScope,
    plan: Agreement,
    lock: bool = False,
    today: dt.date | None = None,
) -> ImportPlan:
    """Validate every row and compare it with the database. Five queries whatever the number
    of rows. With ``lock`` the touched reports are locked (select_for_update) for the write."""
    current = calendar.current_report_month(plan, on=today)
    indicators = {i.code.upper(): i for i in Indicator.objects.filter(plan=plan)}
    sub_agreements = {
        a.org_unit.code.upper(): a
        for a in Agreement.objects.filter(parent=plan).select_related("org_unit")
    }
    sub_agreements_by_name = {nfc(a.org_unit.name).casefold(): a for a in sub_agreements.values()}
    header = HEADER
    result: list[PreviewRow] = []
    seen: dict[tuple[int, int, dt.date], int] = {}
    foreign: dict[str, int] = {}
    parsed = []  # (row, sub_agreement, indicator, month, figures)

    for raw in rows:
        cells = raw.cells
        row = PreviewRow(number=raw.number, status="error")
        result.append(row)
        errors = row.messages

        def fail(column: str, message: str, _row=raw.number, _errors=errors) -> None:
            _errors.append(
                _("Row %(row)s, column “%(column)s”: %(message)s")
                % {"row": _row, "column": header[column], "message": message}
            )

        unit_code = nfc(str(cells.get("unit_code") or "")).upper()
        unit_name = nfc(str(cells.get("unit_name") or "")).casefold()
        if not unit_code and unit_name in sub_agreements_by_name:
            # A hand-made file may name the district instead of giving its code; names are
            # compared in NFC, so text typed in decomposed Vietnamese (NFD) still matches.
            unit_code = sub_agreements_by_name[unit_name].org_unit.code.upper()
        indicator_code = nfc(str(cells.get("indicator_code") or "")).upper()
        sub_agreement = sub_agreements.get(unit_code)
        indicator = indicators.get(indicator_code)
        row.unit = sub_agreement.org_unit.name if sub_agreement else unit_code
        row.indicator = indicator.code if indicator else indicator_code

        if not unit_code:
            fail("unit_code", _("the district code is missing."))
        elif sub_agreement is None:
            fail(
                "unit_code",
                _("“%(code)s” is not a district of this plan.") % {"code": unit_code},
            )
        elif not scope.can_edit_unit(sub_agreement.org_unit_id):
            # Never diff (and so show) another district's figures: the row is refused and
            # the whole file with it.
            foreign.setdefault(unit_code, raw.number)
            fail("unit_code", _("you may not enter figures for %(code)s.") % {"code": unit_code})
            row.unit = unit_code
        if not indicator_code:
            fail("indicator_code", _("the indicator code is missing."))
        elif indicator is None:
            fail(
                "indicator_code",
                _("“%(code)s” is not an indicator of this plan.") % {"code": indicator_code},
            )
        month = None
        try:
            month = parse_month_cell(cells.get("month"))
            row.month = f"{month:%m/%Y}"
        except CellError as error:
            fail("month", str(error))
            row.month = nfc(str(cells.get("month") or ""))
        key = nfc(str(cells.get("key") or ""))
        if key and month and unit_code and indicator_code:
            expected = f"{unit_code}|{indicator_code}|{month:%Y-%m}"
            if key.upper() != expected.upper():
                fail(
                    "key",
                    _(
                        "the hidden key (%(key)s) does not match the district, indicator and "
                        "month of the row. Do not edit those columns: copy your figures into "
                        "a fresh template."
                    )
                    % {"key": key},
                )
        if month and sub_agreement:
            if month > current:
                fail(
                    "month",
                    _("%(month)s is in the future; figures cannot be entered for it yet.")
                    % {"month": row.month},
                )
            elif not calendar.in_agreement(sub_agreement, month):
                fail(
                    "month",
                    _("%(month)s is outside the plan period of %(unit)s (%(start)s – %(end)s).")
                    % {
                        "month": row.month,
                        "unit": sub_agreement.org_unit.name,
                        "start": f"{sub_agreement.start_date:%d/%m/%Y}",
                        "end": f"{sub_agreement.end_date:%d/%m/%Y}",
                    },
                )

        numbers = {}
        for column in NUMBER_COLUMNS:
            try:
                numbers[column] = parse_count(cells.get(column))
            except CellError as error:
                fail(column, str(error))
                numbers[column] = None
        comment = unneutralise(nfc(str(cells.get("comment") or "")))
        value, numerator, denominator = (numbers[c] for c in NUMBER_COLUMNS)
        if indicator is not None and not errors:
            # The same rules as the form and the API: one place, services.figure_errors.
            entry = ValueInput(value, numerator, denominator, comment)
            for column, messages in figure_errors(indicator=indicator, entry=entry).items():
                for message in messages:
                    fail(column, message)
        if errors:
            continue
        if value is None and numerator is None and denominator is None:
            row.status = "skipped"
            row.messages.append(
                _("Row %(row)s: no figure entered; the row is skipped.") % {"row": raw.number}
            )
            continue
        identity = (sub_agreement.pk, indicator.pk, month)
        if identity in seen:
            fail(
                "indicator_code",
                _("row %(first)s already has %(indicator)s for %(unit)s in %(month)s.")
                % {
                    "first": seen[identity],
                    "indicator": indicator.code,
                    "unit": sub_agreement.org_unit.name,
                    "month": row.month,
                },
            )
            continue
        seen[identity] = raw.number
        row.new = _figures(value, numerator, denominator, comment)
        parsed.append((row, sub_agreement, indicator, month))

    file_errors: list[str] = []
    if foreign:
        # An officer's file that touches another district is refused whole: a mix-up of files
        # between districts must never write half of one.
        file_errors.append(
            _(
                "The file contains figures for districts you may not enter (%(units)s, first "
                "at row %(row)s). Nothing was imported: upload only your own district's file."
            )
            % {"units": ", ".join(sorted(foreign)), "row": min(foreign.values())}
        )

    report_query = MonthlyReport.objects.filter(
        sub_agreement_id__in={sub.pk for _r, sub, _i, _m in parsed},
        month__in={month for _r, _s, _i, month in parsed},
    )
    if lock:
        report_query = report_query.select_for_update()
    reports = {(r.sub_agreement_id, r.month): r for r in report_query} if parsed else {}
    existing = (
        {
            (v.report_id, v.indicator_id): v
            for v in ActivityValue.objects.filter(report__in=list(reports.values()))
        }
        if reports
        else {}
    )
    for row, sub_agreement, indicator, month in parsed:
        report = reports.get((sub_agreement.pk, month))
        current = existing.get((report.pk, indicator.pk)) if report else None
        row.old = _snapshot(current) if current else None
        row.target = (sub_agreement.pk, indicator.pk, month.isoformat())
        if row.old == row.new:
            row.status = "unchanged"
        elif report is not None and not report.is_editable:
            row.status = "locked"
            row.messages.append(
                _(
                    "Row %(row)s: %(unit)s, %(month)s is %(status)s; this figure was not "
                    "changed. Ask provincial staff to return the month if it must be corrected."
                )
                % {
                    "row": row.number,
                    "unit": sub_agreement.org_unit.name,
                    "month": row.month,
                    "status": report.get_status_display().lower(),
                }
            )
        else:
            row.status = "new" if current is None else "changed"
    return ImportPlan(
        rows=result,
        file_errors=file_errors,
        reports=reports,
        existing=existing,
        indicators={i.pk: i for i in indicators.values()},
    )


# --- Preview and confirm -------------------------------------------------------------------


def _require_import_rights(scope: UserScope) -> None:
    if not (scope.can_review or scope.officer_unit_ids):
        raise PermissionDenied(_("You cannot import figures."))


def import_batch_create(
    *,
    user: AbstractBaseUser,
    scope: UserScope,
    plan: Agreement,
    file_name: str,
    content: bytes,
) -> ImportBatch:
    """Read and validate an upload and keep it for the preview. Nothing is written to the
    figures. File-level problems raise ImportFileError."""
    _require_import_rights(scope)
    sha256 = hashlib.sha256(content).hexdigest()
    rows = read_upload(content=content)
    plan_result = import_plan_build(rows=rows, scope=scope, plan=plan)
    ImportBatch.objects.filter(user=user, created_at__lt=timezone.now() - BATCH_LIFETIME).delete()
    return ImportBatch.objects.create(
        token=secrets.token_urlsafe(32),
        user=user,
        file_name=nfc(file_name)[:255],
        sha256=sha256,
        rows=[[raw.number, raw.cells] for raw in rows],
        preview=plan_result.preview_json(),
        digest=plan_result.digest(),
    )


def import_batch_get(*, token: str, user: AbstractBaseUser) -> ImportBatch | None:
    return ImportBatch.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - BATCH_LIFETIME
    ).first()


class ImportChangedError(ValidationError):
    """The data changed between preview and confirm: the user must look again."""


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    changed: int
    unchanged: int
    locked: int
    reports: int


def import_batch_confirm(
    *, batch: ImportBatch, user: AbstractBaseUser, scope: UserScope, plan: Agreement
) -> ImportOutcome:
    """Write the previewed changes: all of them in one transaction, or none.

    Re-validates the stored rows with the touched reports locked; if anything differs from
    the preview (someone saved, submitted or approved a month meanwhile), nothing is written,
    the preview is refreshed and ImportChangedError is raised."""
    _require_import_rights(scope)
    if batch.confirmed_at is not None:
        raise ValidationError(_("This file was already imported."))
    rows = [RawRow(number=number, cells=cells) for number, cells in batch.rows]
    try:
        with transaction.atomic():
            # Lock the batch first: a double click must not import the same file twice.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.confirmed_at is not None:
                raise ValidationError(_("This file was already imported."))
            result = import_plan_build(rows=rows, scope=scope, plan=plan, lock=True)
            if result.has_errors:
                raise ValidationError(_("The file has errors; nothing was imported."))
            if result.digest() != batch.digest:
                raise ImportChangedError(
                    _(
                        "The figures changed since you saw the preview (someone saved, "
                        "submitted or approved a month). Nothing was imported: check the "
                        "updated preview and confirm again."
                    )
                )
            outcome = _write(result=result, batch=batch, user=user)
            batch.confirmed_at = timezone.now()
            batch.save(update_fields=["confirmed_at"])
            return outcome
    except ImportChangedError:
        fresh = import_plan_build(rows=rows, scope=scope, plan=plan)
        batch.preview = fresh.preview_json()
        batch.digest = fresh.digest()
        batch.save(update_fields=["preview", "digest"])
        raise
    except IntegrityError as error:
        # A month was created by someone else between our check and our write.
        raise ImportChangedError(
            _("The figures changed while importing; nothing was imported. Upload the file again.")
        ) from error


def _write(*, result: ImportPlan, batch: ImportBatch, user: AbstractBaseUser) -> ImportOutcome:
    """Create the months that have no report yet (in bulk, at version 0), then hand every
    change to the one write of monthly figures (services.figures_write), which checks,
    writes, versions, resets to draft and audits in bulk."""
    changes = result.changes
    counts = result.counts
    if not changes:
        return ImportOutcome(0, 0, counts["unchanged"], counts["locked"], 0)
    reports = dict(result.reports)
    missing = sorted(
        {(sub_id, month) for sub_id, _ind, month in (row.target for row in changes)}
        - {(sub_id, month.isoformat()) for sub_id, month in reports}
    )
    if missing:
        created = MonthlyReport.objects.bulk_create(
            [
                MonthlyReport(
                    sub_agreement_id=sub_id,
                    month=dt.date.fromisoformat(month),
                    status=Status.DRAFT,
                    version=0,  # the write makes it 1, as for a month created by the form
                    updated_by=user,
                )
                for sub_id, month in missing
            ]
        )
        if any(report.pk is None for report in created):  # backends without RETURNING
            created = list(
                MonthlyReport.objects.filter(
                    sub_agreement_id__in={s for s, _m in missing},
                    month__in={dt.date.fromisoformat(m) for _s, m in missing},
                    version=0,
                )
            )
        for report in created:
            reports[(report.sub_agreement_id, report.month)] = report
    figure_changes = []
    for row in changes:
        sub_id, indicator_id, month_iso = row.target
        report = reports[(sub_id, dt.date.fromisoformat(month_iso))]
        figure_changes.append(
            FigureChange(
                report=report,
                indicator=result.indicators[indicator_id],
                current=result.existing.get((report.pk, indicator_id)),
                new=ValueInput(**row.new),
            )
        )
    total_created = sum(1 for row in changes if row.status == "new")
    total_changed = len(changes) - total_created

    def reason(change: ReportChange) -> str:
        return _(
            "Imported from “%(file)s” (SHA-256 %(sha)s): in this month %(created)s new "
            "and %(changed)s changed figures; in the file %(total_created)s new, "
            "%(total_changed)s changed, %(unchanged)s unchanged."
        ) % {
            "file": batch.file_name,
            "sha": batch.sha256,
            "created": change.created,
            "changed": change.changed,
            "total_created": total_created,
            "total_changed": total_changed,
            "unchanged": counts["unchanged"],
        }

    written = figures_write(
        changes=figure_changes, user=user, action=AuditEvent.Action.IMPORT, reason=reason
    )
    return ImportOutcome(
        created=total_created,
        changed=total_changed,
        unchanged=counts["unchanged"],
        locked=counts["locked"],
        reports=len(written),
    )
