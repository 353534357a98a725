"""Import of monthly figures from xlsx or csv: read → validate every row → preview → confirm.

Why not django-import-export's import flow: its per-row saves are slow (pitfalls.md), and its
bulk mode gives neither per-row error messages nor all-or-nothing writes. Here every row is
validated first with a fixed number of queries; the preview is a diff against the database;
confirming re-validates under row locks and writes everything with bulk operations in one
transaction, or nothing."""

import csv
import datetime as dt
import hashlib
import io
import json
import re
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import REPORT_OBJECT_TYPE, ActivityValue, ImportBatch, MonthlyReport
from activities.spreadsheet import COLUMNS, HEADER, NUMBER_COLUMNS, SHEET_NAME, unneutralise
from agreements.models import Agreement, Indicator
from agreements.selectors import UserScope
from audit.models import AuditEvent
from audit.services import audit_build, audit_record_bulk
from cooperation.months import current_month, month_start
from cooperation.text import nfc

Status = MonthlyReport.Status

# More rows than a province-wide file of a whole plan (21 districts × 36 months × 13
# indicators ≈ 9.800) with room to spare; beyond it a file is almost certainly a mistake.
DEFAULT_MAX_ROWS = 20_000
BATCH_LIFETIME = timedelta(hours=12)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def max_bytes() -> int:
    return settings.MAX_UPLOAD_BYTES


def size_text(size: int) -> str:
    """5242880 → "5 MB", 4096 → "4 KB" (Vietnamese decimal comma)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",") + " MB"
    return f"{max(size // 1024, 1)} KB"


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported (format, size, sheet, columns, scope)."""


# --- Reading -------------------------------------------------------------------------------


@dataclass
class RawRow:
    number: int  # the row number the user sees in Excel (header = 1)
    cells: dict  # column key → JSON-safe value (str, int, float or None)


def _json_safe(value):
    if value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sniff(content: bytes) -> str:
    """'xlsx' or 'csv', judged by the bytes, never by the file name."""
    if not content:
        raise ImportFileError(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise ImportFileError(
                _("The file is damaged and cannot be read. Save it again as .xlsx.")
            ) from error
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise ImportFileError(
                _(
                    "This is an OpenDocument (.ods) file. Open it and save it as Excel "
                    "workbook (.xlsx), then upload it again."
                )
            )
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise ImportFileError(
            _("This file is not a spreadsheet. Upload the template as .xlsx or .csv.")
        )
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            _(
                "This is an old Excel 97–2003 (.xls) file. Open it in Excel and save it as "
                "Excel workbook (.xlsx), then upload it again."
            )
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("This text file is in UTF-16. Save it as “CSV UTF-8” and upload it again.")
        )
    # Anywhere in the file, not only at its start: a NUL deep in a CSV reached the preview's
    # JSON column, which PostgreSQL refuses (a 500).
    if b"\x00" in content:
        raise ImportFileError(
            _("This file is not a spreadsheet. Upload the template as .xlsx or .csv.")
        )
    return "csv"


def _header_map(header: list, *, letters: list[str]) -> dict[str, int]:
    """Map column keys to positions; every expected column present once, nothing else."""
    expected = {nfc(name).casefold(): key for key, name in COLUMNS}
    positions: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        key = expected.get(nfc(str(cell)).casefold())
        if key is None:
            errors.append(
                _("Column %(column)s (“%(header)s”) is not part of the template; remove it.")
                % {"column": letters[index], "header": nfc(str(cell))}
            )
        elif key in positions:
            errors.append(
                _("Column “%(header)s” appears twice (columns %(first)s and %(second)s).")
                % {
                    "header": HEADER[key],
                    "first": letters[positions[key]],
                    "second": letters[index],
                }
            )
        else:
            positions[key] = index
    missing = [HEADER[key] for key, _name in COLUMNS if key not in positions and key != "key"]
    if missing:
        errors.append(
            _(
                "The first row must hold the template's column headers; missing: %(columns)s. "
                "Download a fresh template and copy your figures into it."
            )
            % {"columns": ", ".join(f"“{name}”" for name in missing)}
        )
    if errors:
        raise ImportFileError(errors)
    return positions


def _rows_from_table(table, *, letters_for) -> list[RawRow]:
    """Turn an iterator of (row number, values) with the header first into RawRows."""
    iterator = iter(table)
    try:
        _number, header = next(iterator)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    header = list(header)
    positions = _header_map(header, letters=letters_for(len(header)))
    used = set(positions.values())
    rows: list[RawRow] = []
    limit = max_rows()
    for number, values in iterator:
        values = list(values)
        if all(_blank(v) for v in values):
            continue
        stray = [i for i, v in enumerate(values) if i not in used and not _blank(v)]
        if stray:
            letter = letters_for(stray[0] + 1)[stray[0]]
            raise ImportFileError(
                _(
                    "Row %(row)s has data in column %(column)s, which has no header in the "
                    "template. Remove extra columns and try again."
                )
                % {"row": number, "column": letter}
            )
        if len(rows) >= limit:
            raise ImportFileError(
                _("The file has more than %(limit)s rows. Split it into smaller files.")
                % {"limit": f"{limit:,}".replace(",", ".")}
            )
        cells = {
            key: _json_safe(values[index]) if index < len(values) else None
            for key, index in positions.items()
        }
        rows.append(RawRow(number=number, cells=cells))
    if not rows:
        raise ImportFileError(_("The file has no rows of figures under the header."))
    return rows


def _letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i + 1) for i in range(max(count, 1))]


def _read_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        # data_only: a cell with a formula is read as the value Excel last computed for it.
        workbook = load_workbook(io.BytesIO(content), data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(
            _("The file is damaged and cannot be read. Save it again as .xlsx.")
        ) from error
    names = {nfc(name): name for name in workbook.sheetnames}
    if SHEET_NAME not in names:
        raise ImportFileError(
            _(
                "The workbook has no sheet named “%(sheet)s” (it has: %(sheets)s). Use the "
                "template downloaded from the portal."
            )
            % {"sheet": SHEET_NAME, "sheets": ", ".join(f"“{s}”" for s in workbook.sheetnames)}
        )
    sheet = workbook[names[SHEET_NAME]]
    merged = sorted(str(r) for r in sheet.merged_cells.ranges)
    if merged:
        raise ImportFileError(
            _(
                "The sheet has merged cells (%(ranges)s). Unmerge them so each row has its "
                "own district, indicator and month."
            )
            % {"ranges": ", ".join(merged[:5])}
        )
    if sheet.max_row - 1 > max_rows() * 2:
        raise ImportFileError(
            _("The file has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{max_rows():,}".replace(",", ".")}
        )
    table = (
        (number, values) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
    )
    return _rows_from_table(table, letters_for=_letters)


def _read_csv(content: bytes) -> list[RawRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "The file is not a spreadsheet in UTF-8. In Excel choose “Save as” → “CSV "
                "UTF-8”, or upload the .xlsx file."
            )
        ) from error
    first_line = text.split("\n", 1)[0]
    # Excel in a locale with a decimal comma separates CSV fields with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table = ((number, values) for number, values in enumerate(reader, start=1))
    try:
        return _rows_from_table(table, letters_for=_letters)
    except csv.Error as error:
        # Not the csv module's own text: it is English ("field larger than field limit").
        raise ImportFileError(
            _(
                "The file is not a readable CSV file: a cell is far too long, or a quotation "
                "mark is not closed. Save it again as “CSV UTF-8”, or upload the .xlsx file."
            )
        ) from error


def read_upload(*, content: bytes) -> list[RawRow]:
    """Parse an uploaded file into raw rows, or raise ImportFileError with the reason."""
    if len(content) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": size_text(max_bytes())}
        )
    kind = _sniff(content)
    return _read_xlsx(content) if kind == "xlsx" else _read_csv(content)


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
    audit_record_bulk(
        [
            audit_build(
                actor=user,
                action=AuditEvent.Action.IMPORT,
                object_type=REPORT_OBJECT_TYPE,
                object_id=entry["report"].pk,
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
    )
    return ImportOutcome(
        created=total_created,
        changed=total_changed,
        unchanged=counts["unchanged"],
        locked=counts["locked"],
        reports=len(touched),
    )
