"""The records list as an xlsx: the same selector as the page, text cells neutralised so a
description typed as "=HYPERLINK(…)" stays text (core.cells.neutralise); numbers and dates
stay numbers and dates."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.cells import neutralise
from records.selectors import RecordRow


def records_workbook(rows: list[RecordRow], *, indicators) -> bytes:
    """One row per record; one column per counted indicator with its amount."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Activity records")[:31]
    header = [
        _("Activity date"),
        _("Report month"),
        _("Unit"),
        _("Activity type"),
        _("Commune / place"),
        _("Participants"),
        _("Short description"),
        *[f"{indicator.name} ({indicator.unit})" for indicator in indicators],
        _("Attachments"),
        _("Created by"),
    ]
    sheet.append([neutralise(text) for text in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        amounts = {amount.indicator_id: amount.amount for amount in row.amounts}
        sheet.append(
            [
                row.date,
                row.month.strftime("%m/%Y"),
                neutralise(row.unit_name),
                neutralise(row.record_type),
                neutralise(row.place),
                row.participants,
                neutralise(row.description),
                *[amounts.get(indicator.pk) for indicator in indicators],
                len(row.attachments),
                neutralise(row.created_by),
            ]
        )
    for (cell,) in sheet.iter_rows(min_row=2, min_col=1, max_col=1):
        cell.number_format = "DD/MM/YYYY"
    widths = [12, 10, 24, 26, 24, 12, 60] + [14] * len(indicators) + [10, 20]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
