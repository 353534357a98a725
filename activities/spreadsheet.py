"""The spreadsheet format shared by templates, exports and imports.

One sheet, one row per district × indicator × month. The headers are Vietnamese and fixed:
they are the file format, so they do not change with the language of the interface."""

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.cells import neutralise

SHEET_NAME = "Số liệu"
INSTRUCTIONS_SHEET = "Hướng dẫn"

# (key used in code, header in the file)
COLUMNS: list[tuple[str, str]] = [
    ("key", "Khóa"),
    ("unit_code", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("indicator_code", "Mã chỉ tiêu"),
    ("indicator_name", "Chỉ tiêu"),
    ("measure", "Đơn vị tính"),
    ("month", "Tháng"),
    ("value", "Giá trị"),
    ("numerator", "Tử số"),
    ("denominator", "Mẫu số"),
    ("comment", "Ghi chú"),
]
HEADER = dict(COLUMNS)
NUMBER_COLUMNS = ("value", "numerator", "denominator")
EDITABLE_COLUMNS = (*NUMBER_COLUMNS, "comment")

# A spreadsheet runs text starting with these as a formula (or DDE command): OWASP's list,
# plus tab and carriage return that some programs skip before looking for "=".

INSTRUCTIONS = [
    "HƯỚNG DẪN NHẬP SỐ LIỆU",
    "",
    "1. Chỉ nhập vào các cột Giá trị, Tử số, Mẫu số và Ghi chú của trang «Số liệu».",
    "2. Không sửa các cột Mã đơn vị, Mã chỉ tiêu, Tháng; không xóa cột ẩn «Khóa»: "
    "cổng thông tin dùng chúng để biết mỗi dòng thuộc đơn vị, chỉ tiêu và tháng nào.",
    "3. Chỉ tiêu tỷ lệ (đơn vị tính %) nhập Tử số và Mẫu số (ví dụ: hồ sơ trực tuyến / "
    "tổng số hồ sơ), để trống cột Giá trị. Các chỉ tiêu khác nhập Giá trị, để trống Tử số "
    "và Mẫu số.",
    "4. Nhập số nguyên không âm. Có thể viết 1800 hoặc 1.800; không nhập số thập phân.",
    "5. Dòng để trống cả Giá trị, Tử số và Mẫu số sẽ được bỏ qua (không xóa số liệu đã có).",
    "6. Tháng đã gửi duyệt hoặc đã được duyệt sẽ không bị thay đổi.",
    "7. Không gộp ô, không thêm cột, không đổi tên trang «Số liệu». Có thể lưu tệp dưới "
    "dạng .xlsx hoặc CSV UTF-8.",
    "8. Sau khi tải tệp lên, cổng thông tin hiển thị trước các thay đổi; số liệu chỉ được "
    "ghi khi bấm «Xác nhận nhập». Nếu có lỗi, không dòng nào được ghi.",
]


def row_key(unit_code: str, indicator_code: str, month: dt.date) -> str:
    return f"{unit_code}|{indicator_code}|{month:%Y-%m}"


def month_text(month: dt.date) -> str:
    return f"{month:%m/%Y}"


def workbook_bytes(rows: list[dict], *, title: str) -> bytes:
    """An xlsx with the data sheet (key column hidden, editable columns highlighted) and the
    Vietnamese instructions. ``rows`` are dicts keyed like ``COLUMNS``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append([header for _, header in COLUMNS])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    keys = [key for key, _ in COLUMNS]
    for row in rows:
        sheet.append([neutralise(row.get(key)) for key in keys])
    widths = {
        "key": 24,
        "unit_code": 10,
        "unit_name": 24,
        "indicator_code": 14,
        "indicator_name": 48,
        "measure": 10,
        "month": 9,
        "value": 12,
        "numerator": 12,
        "denominator": 12,
        "comment": 40,
    }
    fill = PatternFill("solid", fgColor="FFF4D6")
    for index, key in enumerate(keys, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths[key]
        if key in NUMBER_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "#,##0"
        if key in EDITABLE_COLUMNS:
            sheet.cell(row=1, column=index).fill = fill
    # The key maps each row back to its district, indicator and month without guessing from
    # names; it is hidden so nobody edits it by accident.
    sheet.column_dimensions["A"].hidden = True
    sheet.freeze_panes = "B2"
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    instructions.column_dimensions["A"].width = 110
    instructions.append([title])
    instructions["A1"].font = Font(bold=True, size=13)
    for line in INSTRUCTIONS:
        instructions.append([line])
    instructions.append([""])
    instructions.append(
        ["Các cột: " + ", ".join(header for key, header in COLUMNS if key != "key") + "."]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to show Vietnamese correctly."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS])
    keys = [key for key, _ in COLUMNS]
    for row in rows:
        writer.writerow(["" if row.get(k) is None else neutralise(row.get(k)) for k in keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
