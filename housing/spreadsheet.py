"""The register's workbooks: the house list (export, and the import's layout) and one
household's data for a data subject. Text cells are neutralised (core.cells): a name typed as
"=HYPERLINK(…)" stays text in Excel; numbers and dates stay numeric."""

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.cells import neutralise

SHEET_NAME = "Nhà"
# Column key → header. The first block is the house; the second, personal data, is written
# only for roles with the right (and the export is logged).
HOUSE_COLUMNS = [
    ("code", "Mã nhà"),
    ("unit", "Đơn vị"),
    ("former_district", "Huyện cũ"),
    ("current_unit", "Đơn vị hiện nay"),
    ("commune", "Xã"),
    ("village", "Thôn, bản"),
    ("funding", "Nguồn kinh phí"),
    ("amount", "Số tiền (đồng)"),
    ("status", "Trạng thái"),
    ("planned_completion", "Dự kiến hoàn thành"),
    ("started_on", "Ngày khởi công"),
    ("completed_on", "Ngày hoàn thành"),
    ("handed_over_on", "Ngày bàn giao"),
    ("note", "Ghi chú"),
]
PERSONAL_COLUMNS = [
    ("head_name", "Chủ hộ"),
    ("id_number", "Số CCCD"),
    ("phone", "Số điện thoại"),
    ("basis", "Căn cứ xử lý"),
    ("consent_on", "Ngày đồng ý"),
]
DATE_COLUMNS = {
    "planned_completion",
    "started_on",
    "completed_on",
    "handed_over_on",
    "consent_on",
    "retention_until",
}


def _write(sheet, header: list[str], rows: list[list]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(cell.value, int):
                cell.number_format = "#,##0"
    sheet.freeze_panes = "A2"


def house_cells(row) -> dict:
    house = row.house
    return {
        "code": house.pk,
        "unit": house.unit_name,
        "former_district": house.former_district,
        "current_unit": house.current_unit,
        "commune": house.commune,
        "village": house.village,
        "funding": house.funding_label,
        "amount": house.amount,
        "status": house.status_label,
        "planned_completion": house.planned_completion,
        "started_on": house.started_on,
        "completed_on": house.completed_on,
        "handed_over_on": house.handed_over_on,
        "note": house.note,
        "head_name": row.head_name,
        "id_number": row.id_number,
        "phone": row.phone,
        "basis": row.basis,
        "consent_on": row.consent_on,
    }


def houses_workbook(rows, *, with_personal: bool) -> bytes:
    columns = HOUSE_COLUMNS + (PERSONAL_COLUMNS if with_personal else [])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    cells = [house_cells(row) for row in rows]
    _write(
        sheet,
        [header for _key, header in columns],
        [[item[key] for key, _header in columns] for item in cells],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HOUSEHOLD_LABELS = {
    "head_name": "Chủ hộ",
    "id_number": "Số CCCD",
    "phone": "Số điện thoại",
    "basis": "Căn cứ xử lý (mã)",
    "basis_label": "Căn cứ xử lý",
    "consent_on": "Ngày đồng ý",
    "basis_note": "Ghi chú về căn cứ",
    "retention_until": "Lưu đến ngày",
    "anonymised_at": "Ẩn danh lúc",
}


def household_workbook(data: dict) -> bytes:
    """One household's data (services.household_export) as a two-column sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hộ gia đình"
    rows = [
        [HOUSEHOLD_LABELS.get(key, key), value] for key, value in data.items() if key != "house"
    ]
    rows += [[f"Nhà: {key}", value] for key, value in data["house"].items()]
    _write(sheet, ["Thông tin", "Giá trị"], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
