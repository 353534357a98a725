"""Templates to fill in, exports of approved figures, and the round trip between them."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from activities.models import ActivityValue, ImportBatch
from activities.spreadsheet import INSTRUCTIONS_SHEET, SHEET_NAME
from tests import factories as f
from tests.excel_helpers import read_xlsx, snapshot

TEMPLATE = reverse("activities:import_template")
EXPORT = reverse("activities:export")
DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd", "\t=1+1"]


@pytest.fixture
def approved(world):
    """Approved March 2024 for A (comments that look like formulas) and B; a draft April for A."""
    march_a = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 3, 1), status="approved"
    )
    for indicator, comment in zip(world.indicators[:3], DANGEROUS, strict=False):
        f.ActivityValueFactory(report=march_a, indicator=indicator, value=1800, comment=comment)
    f.ActivityValueFactory(
        report=march_a,
        indicator=world.online,
        value=None,
        numerator=3,
        denominator=4,
        comment=DANGEROUS[3],
    )
    march_b = f.MonthlyReportFactory(
        sub_agreement=world.sub_b, month=dt.date(2024, 3, 1), status="approved"
    )
    f.ActivityValueFactory(report=march_b, indicator=world.patrol, value=9, comment=DANGEROUS[4])
    april_a = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 4, 1))
    f.ActivityValueFactory(report=april_a, indicator=world.patrol, value=77)
    return world


def _export(client, **params):
    response = client.get(EXPORT, {"start": "2024-01", "end": "2024-12", **params})
    assert response.status_code == 200
    return response


def test_export_holds_approved_figures_only_within_the_users_scope(client, approved):
    client.force_login(approved.officer_a)
    rows = read_xlsx(_export(client, format="xlsx").content)
    assert {(r["Mã đơn vị"], r["Tháng"]) for r in rows} == {("A", "03/2024")}  # no B, no draft
    assert len(rows) == 4
    client.force_login(approved.leader)
    rows = read_xlsx(_export(client, format="xlsx").content)
    assert {r["Mã đơn vị"] for r in rows} == {"A", "B"}


def test_export_filters_by_district_and_task(client, approved):
    client.force_login(approved.staff)
    rows = read_xlsx(_export(client, format="xlsx", unit=approved.sub_b.pk).content)
    assert {r["Mã đơn vị"] for r in rows} == {"B"}
    content = _export(client, format="xlsx", task=approved.tasks[2].pk).content
    assert {r["Mã chỉ tiêu"] for r in read_xlsx(content)} == {"VNEID", "DVC_TT"}


def test_officer_cannot_export_another_district_by_asking_for_it(client, approved):
    client.force_login(approved.officer_a)
    response = client.get(EXPORT, {"format": "xlsx", "unit": approved.sub_b.pk})
    assert response.status_code == 400  # B is not among the choices: the form, no file
    assert response["Content-Type"].startswith("text/html")


def test_xlsx_export_neutralises_formulas_and_keeps_numbers_numeric(client, approved):
    client.force_login(approved.staff)
    content = _export(client, format="xlsx").content
    sheet = load_workbook(io.BytesIO(content))[SHEET_NAME]
    header = [c.value for c in sheet[1]]
    comment_col = header.index("Ghi chú") + 1
    value_col = header.index("Giá trị") + 1
    comments = []
    for line in sheet.iter_rows(min_row=2):
        cell = line[comment_col - 1]
        assert cell.data_type == "s"  # never "f" (formula)
        comments.append(cell.value)
        number = line[value_col - 1]
        if number.value is not None:
            assert isinstance(number.value, int) and number.data_type == "n"
    assert sorted(comments) == sorted("'" + text for text in DANGEROUS)
    assert b"<f>" not in _sheet_xml(content)


def _sheet_xml(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_csv_export_neutralises_formulas(client, approved):
    client.force_login(approved.staff)
    content = _export(client, format="csv").content
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(r["Ghi chú"] for r in rows) == sorted("'" + t for t in DANGEROUS)
    assert {r["Giá trị"] for r in rows} == {"1800", "9", ""}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_round_trip_export_then_import_changes_nothing(client, approved, kind):
    client.force_login(approved.staff)
    content = _export(client, format=kind).content
    before = snapshot()
    response = client.post(
        reverse("activities:import_upload"),
        {"file": _file(content, f"xuat.{kind}")},
        follow=True,
    )
    page = response.content.decode()
    assert "Giống số liệu đã có: <strong>5</strong>" in page
    assert "Mới: <strong>0</strong>" in page and "Lỗi: <strong>0</strong>" in page
    batch = ImportBatch.objects.get()
    client.post(reverse("activities:import_confirm", args=[batch.token]))
    assert snapshot() == before


def _file(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_officer_template_has_own_district_prefilled_hidden_key_and_instructions(client, approved):
    client.force_login(approved.officer_a)
    response = client.get(TEMPLATE, {"start": "2024-03", "end": "2024-04"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [SHEET_NAME, INSTRUCTIONS_SHEET]
    sheet = workbook[SHEET_NAME]
    assert sheet.column_dimensions["A"].hidden
    rows = read_xlsx(response.content)
    assert len(rows) == 2 * 4  # two months × four indicators, district A only
    assert {r["Mã đơn vị"] for r in rows} == {"A"}
    april = {r["Mã chỉ tiêu"]: r for r in rows if r["Tháng"] == "04/2024"}
    assert april["TUAN_TRA"]["Giá trị"] == 77 and april["TUAN_TRA"]["Khóa"] == "A|TUAN_TRA|2024-04"
    assert april["TUAN_TRA"]["Chỉ tiêu"] == "Ca tuần tra ban đêm"
    assert april["TUAN_TRA"]["Đơn vị tính"] == "ca"
    assert april["HOA_GIAI"]["Giá trị"] is None
    instructions = " ".join(c.value or "" for (c,) in workbook[INSTRUCTIONS_SHEET].iter_rows())
    assert "Không sửa các cột Mã đơn vị" in instructions


def test_officer_cannot_download_another_districts_template(client, approved):
    client.force_login(approved.officer_a)
    response = client.get(TEMPLATE, {"unit": approved.sub_b.pk})
    assert response.status_code == 400  # B is not among the choices


def test_staff_template_covers_all_districts_and_quarters(client, approved):
    client.force_login(approved.staff)
    response = client.get(TEMPLATE, {"quarter": "2024-Q1"})
    rows = read_xlsx(response.content)
    assert {r["Mã đơn vị"] for r in rows} == {"A", "B"}
    assert {r["Tháng"] for r in rows} == {"01/2024", "02/2024", "03/2024"}
    assert len(rows) == 2 * 3 * 4


def test_filled_template_imports_back(client, approved):
    """The officer's loop: download, fill, upload, confirm."""
    client.force_login(approved.officer_a)
    content = client.get(TEMPLATE, {"start": "2024-04", "end": "2024-04"}).content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[SHEET_NAME]
    header = [c.value for c in sheet[1]]
    for line in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, line, strict=False))
        if cells["Mã chỉ tiêu"].value == "DVC_TT":
            cells["Tử số"].value, cells["Mẫu số"].value = 40, 80
        else:
            cells["Giá trị"].value = 12
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.post(reverse("activities:import_upload"), {"file": _file(buffer.getvalue(), "t.xlsx")})
    batch = ImportBatch.objects.get()
    client.post(reverse("activities:import_confirm", args=[batch.token]))
    values = ActivityValue.objects.filter(report__month=dt.date(2024, 4, 1))
    assert sorted((v.indicator.code, v.value, v.numerator) for v in values) == [
        ("DVC_TT", None, 40),
        ("HOA_GIAI", 12, None),
        ("TUAN_TRA", 12, None),
        ("VNEID", 12, None),
    ]


def test_month_list_links_to_excel_pages(client, approved):
    client.force_login(approved.officer_a)
    page = client.get(reverse("activities:month_list", args=[approved.sub_a.pk])).content.decode()
    assert f"{TEMPLATE}?unit={approved.sub_a.pk}" in page
    assert reverse("activities:import_upload") in page and EXPORT in page
    client.force_login(approved.staff)
    page = client.get(reverse("home")).content.decode()
    assert TEMPLATE in page and reverse("activities:import_upload") in page
