"""The officer's month done entirely from Excel, in a real browser."""

import io

import pytest
from openpyxl import load_workbook

from activities.spreadsheet import SHEET_NAME
from tests.conftest import login

pytestmark = pytest.mark.browser


def test_officer_downloads_fills_uploads_previews_and_confirms(world, live_server, page, tmp_path):
    login(page, live_server, "doan.a")
    page.goto(f"{live_server.url}/units/{world.sub_a.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp mẫu (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    template = tmp_path / "mau.xlsx"
    download.save_as(template)

    # The officer fills the template offline.
    workbook = load_workbook(template)
    sheet = workbook[SHEET_NAME]
    header = [cell.value for cell in sheet[1]]
    months = set()
    for line in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, line, strict=False))
        months.add(cells["Tháng"].value)
        code = cells["Mã chỉ tiêu"].value
        if code == "DVC_TT":
            cells["Tử số"].value, cells["Mẫu số"].value = 45, 90
        else:
            cells["Giá trị"].value = {"TUAN_TRA": 31, "HOA_GIAI": 4, "VNEID": 820}[code]
        if code == "TUAN_TRA":
            cells["Ghi chú"].value = "Tuần tra cao điểm"
    assert len(months) == 1
    (month,) = months
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled = tmp_path / "so-lieu-thang.xlsx"
    filled.write_bytes(buffer.getvalue())

    page.get_by_role("link", name="Nhập từ Excel").first.click()
    page.get_by_label("Tệp số liệu (.xlsx hoặc .csv)").set_input_files(str(filled))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_role("heading", name="Xem trước khi nhập").wait_for()
    assert "Mới: 4" in page.locator(".counts").inner_text()
    assert page.locator("table.preview tbody tr").count() == 4

    page.get_by_role("button", name="Xác nhận nhập").click()
    page.get_by_text("Đã nhập: 4 số liệu mới").wait_for()

    mm, yyyy = month.split("/")
    page.goto(f"{live_server.url}/units/{world.sub_a.pk}/{yyyy}-{mm}/")
    assert page.locator(f"input[name=v_{world.patrol.pk}]").input_value() == "31"
    assert page.locator(f"input[name=v_{world.vneid.pk}]").input_value() == "820"
    assert page.locator(f"input[name=n_{world.online.pk}]").input_value() == "45"
    assert page.locator(f"input[name=c_{world.patrol.pk}]").input_value() == "Tuần tra cao điểm"


def test_excel_pages_are_accessible(world, live_server, page, tmp_path):
    from tests.excel_helpers import row, xlsx
    from tests.test_accessibility import assert_accessible

    login(page, live_server, "doan.a")
    assert_accessible(page, f"{live_server.url}/excel/import/")
    assert_accessible(page, f"{live_server.url}/excel/export/")
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(xlsx([row(value=3), row(indicator="HOA_GIAI", value="-1")]))
    page.goto(f"{live_server.url}/excel/import/")
    page.get_by_label("Tệp số liệu (.xlsx hoặc .csv)").set_input_files(str(bad))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_text("Số liệu không được âm.").wait_for()
    assert page.get_by_role("button", name="Xác nhận nhập").count() == 0
    assert_accessible(page, page.url)
