"""What a PDF document prints: the dashboards' selector results, arranged for the templates.

Nothing here computes a figure, a target, an expectation or a status. ``document_figures``
calls the selectors the dashboards call (``province_progress``, ``district_comparison``,
``completeness_grid``) with the same ``core.calendar.Period``, so a PDF and the dashboard
for the same period print the same numbers (tests/test_pdf_matches_dashboard.py checks it).
This module only groups those results the way an official document lays them out, names
the period the way a Vietnamese report does ("quý III/2024"), and turns them into the plain
JSON stored (and hashed) with an issued report.
"""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from activities.models import MonthlyReport
from agreements.models import Agreement
from core import calendar
from core.calendar import HALF, MONTH, PLAN, QUARTER, YEAR, Period, period_for, period_parse
from core.scope import UserScope
from reports import charts, selectors
from reports.selectors import (
    CompletenessGrid,
    DistrictComparison,
    DistrictRow,
    GridRow,
    IndicatorProgress,
    ProgressReport,
)

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
NOT_SUBMITTED = (calendar.MISSING, calendar.RETURNED)


class Kind:
    PROVINCIAL = "provincial"
    DISTRICT = "district"
    FINAL = "final"
    CHOICES = (PROVINCIAL, DISTRICT, FINAL)


# --- Periods: the dashboards' Period, named the way an official report names it ----------


def document_period(key: str | None, *, plan: Agreement) -> Period | None:
    """The period a document's URL key names (``2024-03``, ``2024-Q3``, ``2024-H1``,
    ``2024``, ``plan``: the dashboards' keys) under the plan's rule; None when missing or
    malformed (a document, unlike a dashboard, has no default period)."""
    if not (key or "").strip():
        return None
    return period_parse(key, plan=plan)


def period_label(period: Period) -> str:
    """ "tháng 7/2024", "quý III/2024", "6 tháng đầu năm 2024", "năm 2024",
    "giai đoạn 2023 – 2025". Official documents are Vietnamese whatever the interface
    language (so not gettext), and quarters take Roman numerals."""
    first = period.first_month
    if period.kind == MONTH:
        return f"tháng {first.month}/{first.year}"
    if period.kind == QUARTER:
        return f"quý {ROMAN[(first.month - 1) // 3 + 1]}/{first.year}"
    if period.kind == HALF:
        return f"6 tháng {'đầu' if first.month == 1 else 'cuối'} năm {first.year}"
    if period.kind == YEAR:
        return f"năm {first.year}"
    return f"giai đoạn {first.year} – {period.last_month.year}"


# --- What the templates read ------------------------------------------------------------


@dataclass(frozen=True)
class DistrictLine:
    """One district in the provincial documents: the dashboard's comparison row (status
    and key indicators), its row over every indicator (the appendix) and its grid row."""

    row: DistrictRow
    all_cells: tuple[IndicatorProgress, ...]
    # The line's grid rows: one for a unit, the district's and its communes' for a former
    # district (the final review groups units that way across the 2025 reform).
    grid_rows: tuple[GridRow, ...]

    @property
    def name(self) -> str:
        name = self.row.sub_agreement.org_unit.name
        if len(self.row.members) > 1:
            return f"{name} (gồm {len(self.row.members) - 1} xã, phường hình thành từ đơn vị)"
        return name

    @property
    def months_due(self) -> int:
        return sum(row.due for row in self.grid_rows)

    @property
    def months_submitted(self) -> int:
        return sum(
            row.counts[calendar.ON_TIME] + row.counts[calendar.LATE] for row in self.grid_rows
        )

    @property
    def not_submitted(self) -> list:
        """Months due and not submitted: missing, or returned for correction."""
        return sorted(
            {
                cell.month
                for row in self.grid_rows
                for cell in row.cells
                if cell.state in NOT_SUBMITTED
            }
        )


@dataclass(frozen=True)
class DocumentFigures:
    kind: str
    plan: Agreement
    sub_agreement: Agreement | None
    period: Period
    progress: ProgressReport
    grid: CompletenessGrid
    # Provincial documents: the dashboard's district table (its key indicators) and the same
    # comparison over every indicator (the appendix). None in a district's document.
    comparison: DistrictComparison | None = None
    matrix: DistrictComparison | None = None
    # Final review: the province per plan year.
    years: tuple[ProgressReport, ...] = ()
    # True when any counted month is demo data: the document then says so.
    has_sample: bool = False

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def area_name(self) -> str:
        return self.sub_agreement.org_unit.name if self.sub_agreement else "toàn tỉnh"

    @property
    def tasks(self):
        return self.progress.tasks

    @property
    def rows(self) -> list[IndicatorProgress]:
        return self.progress.rows

    @property
    def months_due(self) -> int:
        return self.grid.due

    @property
    def months_submitted(self) -> int:
        counts = self.grid.counts
        return counts[calendar.ON_TIME] + counts[calendar.LATE]

    @cached_property
    def districts(self) -> list[DistrictLine]:
        grid_rows = {row.sub_agreement.pk: row for row in self.grid.rows}
        if self.comparison is None:
            return []
        all_cells = {row.sub_agreement.pk: row.cells for row in self.matrix.rows}
        return [
            DistrictLine(
                row=row,
                all_cells=all_cells.get(row.sub_agreement.pk, ()),
                grid_rows=tuple(
                    grid_rows[sub.pk]
                    for sub in (row.members or (row.sub_agreement,))
                    if sub.pk in grid_rows
                ),
            )
            for row in self.comparison.rows
        ]

    @cached_property
    def listed_districts(self) -> list[DistrictLine]:
        """The lines a document prints: units that had months due in the period or a
        figure in it. A unit that did not exist yet (the communes of 07/2025 in a 2024
        report) would only add pages of dashes."""
        return [
            line
            for line in self.districts
            if line.months_due or any(cell.achieved is not None for cell in line.all_cells)
        ]

    @property
    def own_grid_row(self) -> GridRow | None:
        """A district's document: its own line of the completeness grid."""
        return self.grid.rows[0] if self.sub_agreement and self.grid.rows else None

    @property
    def own_not_submitted(self) -> list:
        row = self.own_grid_row
        return [c.month for c in row.cells if c.state in NOT_SUBMITTED] if row else []

    @property
    def districts_missing(self) -> list[DistrictLine]:
        return [line for line in self.districts if line.not_submitted]

    @property
    def district_column_groups(self) -> list[tuple[int, int]]:
        """(start, stop) slices of the appendix's indicators in even chunks of at most
        seven: a landscape A4 page holds seven pairs of figure columns beside the name."""
        count = len(self.matrix.indicators) if self.matrix else 0
        if not count:
            return []
        size = -(-count // -(-count // 7))
        return [(start, min(start + size, count)) for start in range(0, count, size)]

    @property
    def year_labels(self) -> list[int]:
        return [report.period.first_month.year for report in self.years]

    @property
    def year_table(self) -> list[tuple[IndicatorProgress, list[IndicatorProgress | None]]]:
        """Final review: each whole-plan row with the same indicator's row for every year."""
        by_year = [{row.indicator.pk: row for row in report.rows} for report in self.years]
        return [(row, [year.get(row.indicator.pk) for year in by_year]) for row in self.rows]

    @cached_property
    def charts(self) -> list[tuple[str, SafeString]]:
        """(title, SVG): the dashboard's chart per task, achieved as % of the period's target
        with the expected value as a tick."""
        result = []
        for group in self.progress.tasks:
            title = _("Task %(order)s: achieved as %% of target") % {"order": group.task.order}
            result.append((title, charts.progress_chart(title=title, rows=group.rows)))
        return result

    def as_dict(self) -> dict:
        """Every printed figure as plain JSON: hashed, stored with an issued report, and
        compared with the next draft to show what changed."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        years = self.year_labels
        indicators = {}
        for row, by_year in self.year_table:
            indicators[row.indicator.code] = {
                "name": row.indicator.name,
                "unit": row.indicator.unit,
                "baseline": text(row.baseline),
                "target": text(row.target_period),
                "achieved": text(row.achieved),
                "expected": text(row.expected),
                "status": row.status,
                "by_year": {
                    str(year): text(cell.achieved if cell else None)
                    for year, cell in zip(years, by_year, strict=True)
                },
            }
        return {
            "kind": self.kind,
            "period": self.period.key,
            "dates": self.period.date_range,
            "sub_agreement": self.sub_agreement.pk if self.sub_agreement else None,
            "indicators": indicators,
            "districts": {
                line.name: {
                    "months_due": line.months_due,
                    "months_submitted": line.months_submitted,
                    "status": line.row.status,
                    "achieved": {
                        cell.indicator.code: text(cell.achieved) for cell in line.all_cells
                    },
                }
                for line in self.districts
            },
            "months_due": self.months_due,
            "months_submitted": self.months_submitted,
        }

    @property
    def sha256(self) -> str:
        return figures_sha256(self.as_dict())


def figures_sha256(figures: dict) -> str:
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def figures_changes(*, previous: dict, current: dict) -> list[tuple[str, str, str, str]]:
    """What changed between two ``as_dict()`` snapshots: (what, field, before, after)."""
    changes = []
    before_indicators = previous.get("indicators", {})
    for code, now in current.get("indicators", {}).items():
        then = before_indicators.get(code, {})
        for key in ("achieved", "target", "expected", "baseline"):
            if then.get(key) != now.get(key):
                changes.append((now.get("name", code), key, then.get(key), now.get(key)))
    before_districts = previous.get("districts", {})
    for name, now in current.get("districts", {}).items():
        then = before_districts.get(name, {})
        if then.get("months_submitted") != now.get("months_submitted"):
            changes.append(
                (name, "months_submitted", then.get("months_submitted"), now["months_submitted"])
            )
    return changes


# --- Gathering ----------------------------------------------------------------------------


def document_figures(
    *,
    kind: str,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    sub_agreement_id: int | None = None,
    include_provisional: bool = False,
    today=None,
) -> DocumentFigures:
    """Everything one document prints, from the dashboards' selectors. A sub-agreement
    outside the user's scope, or a provincial document for a district user, is a 404. A
    fixed number of queries whatever the number of districts and months."""
    today = today or calendar.today()
    sub_agreement = None
    if kind == Kind.DISTRICT:
        if sub_agreement_id is None:
            raise Http404
        sub_agreement = selectors.district_get(plan=plan, pk=sub_agreement_id, scope=scope)
    elif not scope.sees_all:
        raise Http404  # a district user may only file its own district's report
    if kind == Kind.FINAL:
        period = period_parse(PLAN, plan=plan)
    common = {
        "plan": plan,
        "scope": scope,
        "include_provisional": include_provisional,
        "today": today,
    }
    progress = selectors.province_progress(period=period, district=sub_agreement, **common)
    grid = selectors.completeness_grid(
        plan=plan, period=period, scope=scope, district=sub_agreement, today=today
    )
    comparison = matrix = None
    if sub_agreement is None:
        # The final review spans the 2025 reform: one line per former district, so each
        # line covers 06/2023–12/2025 and the lines add up to the province.
        grouping = selectors.BY_FORMER_DISTRICT if kind == Kind.FINAL else selectors.BY_UNIT
        comparison = selectors.district_comparison(
            period=period, grid=grid, grouping=grouping, **common
        )
        matrix = selectors.district_comparison(
            period=period,
            grid=grid,
            indicator_codes=[row.indicator.code for row in progress.rows],
            grouping=grouping,
            **common,
        )
    years: tuple[ProgressReport, ...] = ()
    if kind == Kind.FINAL:
        years = tuple(
            selectors.province_progress(
                period=period_for(YEAR, year=year, rule=plan.period_rule), **common
            )
            for year in sorted({month.year for month in period.months})
        )
    counted = [MonthlyReport.Status.APPROVED]
    if include_provisional:
        counted.append(MonthlyReport.Status.SUBMITTED)
    has_sample = MonthlyReport.objects.filter(
        sub_agreement__in=[row.sub_agreement.pk for row in grid.rows],
        month__gte=period.first_month,
        month__lte=period.last_month,
        status__in=counted,
        is_sample=True,
    ).exists()
    return DocumentFigures(
        kind=kind,
        plan=plan,
        sub_agreement=sub_agreement,
        period=period,
        progress=progress,
        grid=grid,
        comparison=comparison,
        matrix=matrix,
        years=years,
        has_sample=has_sample,
    )
