"""Validating the rows of an uploaded file of monthly figures against the plan and the
database: every row checked with a fixed number of queries, by the same figure rules as the
entry form (activities.services.figure_errors), then compared with what is stored to make
the preview (new, changed, unchanged, locked, skipped, error)."""

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from activities import locks
from activities.import_files import RawRow
from activities.models import ActivityValue, MonthlyReport
from activities.services import ValueInput, figure_errors, value_snapshot
from activities.spreadsheet import HEADER, NUMBER_COLUMNS
from agreements.models import Agreement, Indicator
from core import calendar
from core.cells import CellError, parse_count, parse_month_cell, unneutralise
from core.scope import UserScope
from core.text import nfc


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


# Locks an import reports per row; status locks (submitted, approved) have their own message.
IMPORT_LOCKS = (locks.CLOSED, locks.UNIT_ENDED, locks.LATE)


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
        row.new = ValueInput(value, numerator, denominator, comment).as_dict()
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
    closed_locks: dict[tuple[int, dt.date], locks.EntryLock | None] = {}
    for row, sub_agreement, indicator, month in parsed:
        report = reports.get((sub_agreement.pk, month))
        pair = (sub_agreement.pk, month)
        if pair not in closed_locks:
            # The entry form's rule: a closed plan, an ended unit, late entry not granted.
            lock = locks.entry_lock(
                sub_agreement=sub_agreement, month=month, report=None, scope=scope
            )
            closed_locks[pair] = lock if lock and lock.kind in IMPORT_LOCKS else None
        current = existing.get((report.pk, indicator.pk)) if report else None
        row.old = value_snapshot(current) if current else None
        row.target = (sub_agreement.pk, indicator.pk, month.isoformat())
        if row.old == row.new:
            row.status = "unchanged"
        elif closed_locks[pair] is not None:
            row.status = "locked"
            row.messages.append(
                _("Row %(row)s: %(unit)s, %(month)s: %(reason)s")
                % {
                    "row": row.number,
                    "unit": sub_agreement.org_unit.name,
                    "month": row.month,
                    "reason": closed_locks[pair].message,
                }
            )
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
