"""Import of monthly figures from xlsx or csv: read → validate every row → preview → confirm.

Why not django-import-export's import flow: its per-row saves are slow (pitfalls.md), and its
bulk mode gives neither per-row error messages nor all-or-nothing writes. Here every row is
validated first with a fixed number of queries; the preview is a diff against the database;
confirming re-validates under row locks and writes everything with bulk operations in one
transaction, or nothing."""

import datetime as dt
import hashlib
import json
import re
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
from activities.models import ActivityValue, AuditEvent, ImportBatch, MonthlyReport
from activities.spreadsheet import HEADER, NUMBER_COLUMNS, unneutralise
from agreements.models import Agreement, Indicator
from agreements.selectors import UserScope
from cooperation.months import current_month, month_start
from cooperation.text import nfc

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

_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
_LEADING_ZERO_GROUP = re.compile(r"0+[.,]\d{3}")


class _CellError(Exception):
    pass


def parse_count(value) -> int | None:
    """A whole, non-negative number from a cell, or None when blank.

    Accepts 1800, "1800", "1.800" and "1,800" (a thousands separator is unambiguous when every
    group after the first has three digits and the first does not start with 0); refuses
    decimals, negatives, text, and the ambiguous (e.g. "1.800,5", "0.500", "1.80.0")."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _CellError(_("“%(text)s” is not a number.") % {"text": value})
    if isinstance(value, int):
        if value < 0:
            raise _CellError(_("Figures cannot be negative."))
        return value
    if isinstance(value, float):
        if value < 0:
            raise _CellError(_("Figures cannot be negative."))
        if not value.is_integer():
            raise _CellError(
                _("%(number)s is not a whole number; this indicator counts whole units.")
                % {"number": f"{value:g}".replace(".", ",")}
            )
        return int(value)
    text = nfc(str(value)).replace("\u00a0", "").replace(" ", "")
    if text.startswith(("-", "\u2212")) and _DECIMAL.fullmatch(text[1:]):
        raise _CellError(_("Figures cannot be negative."))
    if _DIGITS.fullmatch(text):
        return int(text)
    if _LEADING_ZERO_GROUP.fullmatch(text):
        # "0.500" is half in one convention and five hundred in the other.
        raise _CellError(
            _("“%(text)s” is ambiguous: write the number without separators, e.g. 1800.")
            % {"text": text}
        )
    if _GROUPED.fullmatch(text):
        return int(text.replace(".", "").replace(",", ""))
    if _DECIMAL.fullmatch(text):
        raise _CellError(
            _("%(number)s is not a whole number; this indicator counts whole units.")
            % {"number": text}
        )
    if re.fullmatch(r"[\d.,]+", text):
        raise _CellError(
            _("“%(text)s” is ambiguous: write the number without separators, e.g. 1800.")
            % {"text": text}
        )
    raise _CellError(_("“%(text)s” is not a number.") % {"text": nfc(str(value))})


_MONTH_PATTERNS = (
    re.compile(r"(?P<m>\d{1,2})[/.-](?P<y>\d{4})"),  # 03/2024
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})(?:-\d{1,2})?"),  # 2024-03, 2024-03-01
    re.compile(r"\d{1,2}/(?P<m>\d{1,2})/(?P<y>\d{4})"),  # 01/03/2024
)


def first_month(agreement: Agreement) -> dt.date:
    return month_start(agreement.start_date)


def last_month(agreement: Agreement) -> dt.date:
    return month_start(agreement.end_date)


def parse_month(value) -> dt.date:
    text = nfc(str(value)) if not _blank(value) else ""
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), 1)
            except ValueError:
                break
    if not text:
        raise _CellError(_("The month is missing."))
    raise _CellError(
        _("“%(text)s” is not a month; write it as MM/YYYY, e.g. 03/2024.") % {"text": text}
    )


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
    today_month: dt.date | None = None,
) -> ImportPlan:
    """Validate every row and compare it with the database. Five queries whatever the number
    of rows. With ``lock`` the touched reports are locked (select_for_update) for the write."""
    today_month = today_month or current_month()
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
            month = parse_month(cells.get("month"))
            row.month = f"{month:%m/%Y}"
        except _CellError as error:
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
            if month > today_month:
                fail(
                    "month",
                    _("%(month)s is in the future; figures cannot be entered for it yet.")
                    % {"month": row.month},
                )
            elif not (first_month(sub_agreement) <= month <= last_month(sub_agreement)):
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
            except _CellError as error:
                fail(column, str(error))
                numbers[column] = None
        comment = unneutralise(nfc(str(cells.get("comment") or "")))
        if len(comment) > 500:
            fail("comment", _("the comment is longer than 500 characters."))
        value, numerator, denominator = (numbers[c] for c in NUMBER_COLUMNS)
        if indicator is not None and not errors:
            if indicator.is_ratio:
                if value is not None:
                    fail(
                        "value",
                        _(
                            "this is a ratio indicator: enter the numerator and denominator, "
                            "leave the value empty."
                        ),
                    )
                if (numerator is None) != (denominator is None):
                    fail(
                        "denominator" if denominator is None else "numerator",
                        _("enter both the numerator and the denominator."),
                    )
                elif numerator is not None and numerator > denominator:
                    fail(
                        "numerator",
                        _("the numerator (%(n)s) cannot be greater than the denominator (%(d)s).")
                        % {"n": numerator, "d": denominator},
                    )
            elif numerator is not None or denominator is not None:
                fail(
                    "numerator" if numerator is not None else "denominator",
                    _("this indicator takes one value: use the “%(column)s” column.")
                    % {"column": header["value"]},
                )
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
    return ImportPlan(rows=result, file_errors=file_errors, reports=reports, existing=existing)


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
    changes = result.changes
    counts = result.counts
    if not changes:
        return ImportOutcome(0, 0, counts["unchanged"], counts["locked"], 0)
    now = timezone.now()
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
                    version=0,  # bumped to 1 below with the others
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
    new_report_keys = {(s, dt.date.fromisoformat(m)) for s, m in missing}

    to_create, to_update = [], []
    per_report: dict[int, dict] = {}
    for row in changes:
        sub_id, indicator_id, month_iso = row.target
        report = reports[(sub_id, dt.date.fromisoformat(month_iso))]
        entry = per_report.setdefault(
            report.pk, {"report": report, "before": {}, "after": {}, "created": 0, "changed": 0}
        )
        code = row.indicator
        entry["before"][code] = row.old
        entry["after"][code] = row.new
        if row.status == "new":
            entry["created"] += 1
            to_create.append(ActivityValue(report=report, indicator_id=indicator_id, **row.new))
        else:
            entry["changed"] += 1
            current = result.existing[(report.pk, indicator_id)]
            for name, new in row.new.items():
                setattr(current, name, new)
            to_update.append(current)
    ActivityValue.objects.bulk_create(to_create, batch_size=2000)
    ActivityValue.objects.bulk_update(
        to_update, ["value", "numerator", "denominator", "comment"], batch_size=1000
    )
    touched = [entry["report"] for entry in per_report.values()]
    statuses_before = {report.pk: report.status for report in touched}
    for report in touched:
        report.version += 1
        report.status = Status.DRAFT  # a returned month goes back to draft, as when saved
        report.updated_by = user
        report.updated_at = now
    MonthlyReport.objects.bulk_update(
        touched, ["version", "status", "updated_by", "updated_at"], batch_size=1000
    )
    total_created = sum(e["created"] for e in per_report.values())
    total_changed = sum(e["changed"] for e in per_report.values())
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                action=AuditEvent.Action.IMPORT,
                report=entry["report"],
                object_type="monthly_report",
                object_id=str(entry["report"].pk),
                version=entry["report"].version,
                status_before=(
                    ""
                    if (entry["report"].sub_agreement_id, entry["report"].month) in new_report_keys
                    else statuses_before[entry["report"].pk]
                ),
                status_after=entry["report"].status,
                before=entry["before"],
                after=entry["after"],
                reason=_(
                    "Imported from “%(file)s” (SHA-256 %(sha)s): in this month %(created)s new "
                    "and %(changed)s changed figures; in the file %(total_created)s new, "
                    "%(total_changed)s changed, %(unchanged)s unchanged."
                )
                % {
                    "file": batch.file_name,
                    "sha": batch.sha256,
                    "created": entry["created"],
                    "changed": entry["changed"],
                    "total_created": total_created,
                    "total_changed": total_changed,
                    "unchanged": counts["unchanged"],
                },
            )
            for entry in per_report.values()
        ],
        batch_size=1000,
    )
    return ImportOutcome(
        created=total_created,
        changed=total_changed,
        unchanged=counts["unchanged"],
        locked=counts["locked"],
        reports=len(touched),
    )
