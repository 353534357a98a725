"""Build import files in tests, readable in the test itself (no binary fixtures)."""

import csv
import io

from openpyxl import Workbook, load_workbook

from activities.models import ActivityValue, MonthlyReport
from activities.spreadsheet import COLUMNS, SHEET_NAME
from audit.models import AuditEvent

HEADERS = [header for _key, header in COLUMNS]
KEYS = [key for key, _header in COLUMNS]


def row(
    unit="A",
    indicator="TUAN_TRA",
    month="03/2024",
    value=None,
    numerator=None,
    denominator=None,
    comment="",
    key=None,
):
    """One data row as a list in column order. The key is left empty unless given."""
    cells = {
        "key": key or "",
        "unit_code": unit,
        "unit_name": "",
        "indicator_code": indicator,
        "indicator_name": "",
        "measure": "",
        "month": month,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "comment": comment,
    }
    return [cells[k] for k in KEYS]


def xlsx(rows, *, headers=HEADERS, sheet=SHEET_NAME, merge=None) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(headers)
    for cells in rows:
        worksheet.append(cells)
    if merge:
        worksheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, *, headers=HEADERS, bom=True, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for cells in rows:
        writer.writerow(["" if c is None else c for c in cells])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def read_xlsx(content: bytes, sheet=SHEET_NAME) -> list[dict]:
    worksheet = load_workbook(io.BytesIO(content))[sheet]
    rows = list(worksheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def snapshot() -> tuple:
    """Everything an import may touch, to prove a refused file changed nothing."""
    return (
        sorted(
            ActivityValue.objects.values_list(
                "pk", "report_id", "indicator_id", "value", "numerator", "denominator", "comment"
            )
        ),
        sorted(
            MonthlyReport.objects.values_list(
                "pk", "sub_agreement_id", "month", "status", "version", "updated_at"
            )
        ),
        AuditEvent.objects.count(),
    )


# The admin's indicator file, as staff see it (agreements/resources.py IndicatorResource).
INDICATOR_HEADERS = [
    "Mã kế hoạch",
    "Mã chỉ tiêu",
    "Nhiệm vụ số",
    "Tên chỉ tiêu",
    "Tên tiếng Anh",
    "Đơn vị tính",
    "Cách tổng hợp",
    "Nhãn tử số",
    "Nhãn mẫu số",
    "Thứ tự",
]
