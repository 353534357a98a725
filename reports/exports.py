"""Downloads of the dashboards' full tables (CSV, xlsx), built from the same selector result
the page shows, so a download and the page cannot disagree. Text cells are neutralised
(core.cells.neutralise: a unit named "=HYPERLINK(…)" stays text); numbers stay numbers."""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.cells import neutralise
from reports.results import DistrictComparison, DistrictRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def comparison_table(
    *, comparison: DistrictComparison, rows: list[DistrictRow]
) -> tuple[list[str], list[list]]:
    """The district table as header and rows: unit, status, then per indicator achieved,
    expected and percent of expected, then completeness and timeliness."""
    header = [_("Unit"), _("Status")]
    for item in comparison.indicators:
        header += [
            f"{item.code} — {_('achieved')}",
            f"{item.code} — {_('expected')}",
            f"{item.code} — {_('% of expected')}",
        ]
    header += [_("Completeness (%)"), _("Timeliness (%)")]
    lines = []
    for row in rows:
        line = [row.sub_agreement.org_unit.name, row.status_label]
        for cell in row.cells:
            line += [cell.achieved, cell.expected, cell.percent_of_expected]
        line += [row.completeness, row.timeliness]
        lines.append([neutralise(value) for value in line])
    return [neutralise(h) for h in header], lines


def comparison_download(
    *, comparison: DistrictComparison, rows: list[DistrictRow], kind: str
) -> HttpResponse:
    header, lines = comparison_table(comparison=comparison, rows=rows)
    name = f"don-vi-{comparison.period.key}"
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in line] for line in lines])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Units")[:31])
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
