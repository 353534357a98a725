"""Import of figures from Excel/CSV: every rule refuses with a Vietnamese message naming the
row and column, and a refused file leaves the database exactly as it was."""

import datetime as dt
import io
import unicodedata
import zipfile

import pytest
from django.urls import reverse

from activities.models import ActivityValue, ImportBatch, MonthlyReport
from audit.models import AuditEvent
from tests import factories as f
from tests.conftest import TODAY
from tests.excel_helpers import HEADERS, csv_file, row, snapshot, xlsx

UPLOAD = reverse("activities:import_upload")
# The month after the pinned today, still inside the plan: refused only for being in the future.
NEXT_MONTH = (TODAY.date().replace(day=1) + dt.timedelta(days=31)).strftime("%m/%Y")


@pytest.fixture
def data(world):
    """A draft March 2024 for district A with one figure, an approved February 2024 and a
    submitted January 2024; district B has an approved March 2024."""
    draft = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 3, 1))
    f.ActivityValueFactory(report=draft, indicator=world.patrol, value=10)
    approved = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 2, 1), status="approved"
    )
    f.ActivityValueFactory(report=approved, indicator=world.patrol, value=7)
    f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 1, 1), status="submitted")
    other = f.MonthlyReportFactory(
        sub_agreement=world.sub_b, month=dt.date(2024, 3, 1), status="draft"
    )
    f.ActivityValueFactory(report=other, indicator=world.patrol, value=4242)
    world.draft, world.approved, world.other = draft, approved, other
    return world


def _upload(client, content: bytes, name: str = "so-lieu.xlsx"):
    return client.post(UPLOAD, {"file": io_file(content, name)}, follow=True)


def io_file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def _confirm_latest(client, user):
    batch = ImportBatch.objects.filter(user=user).order_by("-pk").first()
    if batch is None:
        return None
    return client.post(reverse("activities:import_confirm", args=[batch.token]), follow=True)


def _refused(client, user, content, name="so-lieu.xlsx"):
    """Upload, try to confirm anyway, and return the page text; the database must not move."""
    before = snapshot()
    response = _upload(client, content, name)
    text = response.content.decode()
    _confirm_latest(client, user)
    assert snapshot() == before
    return unicodedata.normalize("NFC", text).replace("&#x27;", "'").replace("&quot;", '"')


@pytest.fixture
def officer(client, data):
    client.force_login(data.officer_a)
    return client


@pytest.fixture
def staff(client, data):
    client.force_login(data.staff)
    return client


# --- Happy path ----------------------------------------------------------------------------


def test_officer_previews_then_confirms_and_figures_are_written(officer, data):
    content = xlsx(
        [
            row(value=12, comment="Tuần tra dịp lễ"),  # changed 10 → 12
            row(indicator="HOA_GIAI", value="1.800"),  # new
            row(indicator="DVC_TT", numerator=30, denominator="1,800"),  # new, ratio
        ]
    )
    before = snapshot()
    response = _upload(officer, content)
    page = response.content.decode()
    assert "Xem trước khi nhập" in page
    assert "Mới: <strong>2</strong>" in page and "Thay đổi: <strong>1</strong>" in page
    assert snapshot() == before  # the preview writes nothing

    response = _confirm_latest(officer, data.officer_a)
    assert "Đã nhập: 2 số liệu mới và 1 số liệu thay đổi trong 1 tháng" in response.content.decode()
    values = {
        v.indicator.code: (v.value, v.numerator, v.denominator, v.comment)
        for v in ActivityValue.objects.filter(report=data.draft)
    }
    assert values == {
        "TUAN_TRA": (12, None, None, "Tuần tra dịp lễ"),
        "HOA_GIAI": (1800, None, None, ""),
        "DVC_TT": (None, 30, 1800, ""),
    }
    data.draft.refresh_from_db()
    assert data.draft.version == 2


def test_import_creates_missing_months_and_records_audit_events(officer, data):
    content = xlsx([row(month="04/2024", value=3), row(month="05/2024", value=4), row(value=11)])
    _upload(officer, content, "thang-4-5.xlsx")
    _confirm_latest(officer, data.officer_a)
    reports = MonthlyReport.objects.filter(
        sub_agreement=data.sub_a, month__in=[dt.date(2024, 4, 1), dt.date(2024, 5, 1)]
    )
    assert {r.status for r in reports} == {"draft"} and reports.count() == 2
    events = AuditEvent.objects.filter(action="import", object_type="monthly_report")
    month_of = dict(MonthlyReport.objects.values_list("pk", "month"))
    events = sorted(events, key=lambda e: month_of[int(e.object_id)])
    assert [month_of[int(e.object_id)].month for e in events] == [3, 4, 5]
    batch = ImportBatch.objects.get()
    for event in events:
        assert event.actor == data.officer_a
        assert "thang-4-5.xlsx" in event.reason and batch.sha256 in event.reason
        assert "cả tệp 2 mới, 1 thay đổi, 0 không đổi" in event.reason
    march = events[0]
    assert march.before == {
        "TUAN_TRA": {"value": 10, "numerator": None, "denominator": None, "comment": ""}
    }
    assert march.after["TUAN_TRA"]["value"] == 11
    assert march.status_before == "draft" and march.version == 2


def test_the_same_file_twice_changes_nothing_the_second_time(officer, data):
    content = xlsx([row(value=12), row(indicator="HOA_GIAI", value=5)])
    _upload(officer, content)
    _confirm_latest(officer, data.officer_a)
    after_first = snapshot()
    response = _upload(officer, content)
    assert "Không có gì thay đổi" in response.content.decode()
    assert "Giống số liệu đã có: <strong>2</strong>" in response.content.decode()
    response = _confirm_latest(officer, data.officer_a)
    assert snapshot() == after_first


def test_a_batch_cannot_be_confirmed_twice(officer, data):
    _upload(officer, xlsx([row(value=12)]))
    batch = ImportBatch.objects.get()
    url = reverse("activities:import_confirm", args=[batch.token])
    officer.post(url)
    after = snapshot()
    response = officer.post(url, follow=True)
    assert "Tệp này đã được nhập." in response.content.decode()
    assert snapshot() == after


def test_csv_with_and_without_bom_and_with_semicolons(officer, data):
    for content in (
        csv_file([row(value=21)], bom=True),
        csv_file([row(value=22)], bom=False),
        csv_file([row(value=23)], delimiter=";"),
    ):
        _upload(officer, content, "so-lieu.csv")
        _confirm_latest(officer, data.officer_a)
    assert ActivityValue.objects.get(report=data.draft, indicator=data.patrol).value == 23


def test_decomposed_vietnamese_headers_names_and_comments_are_normalised(officer, data):
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    cells = row(unit="", value=13, comment=nfd("Tuần tra đêm"))
    cells[2] = nfd("Huyện Anh Sơn")  # the district by name, typed decomposed
    content = xlsx([cells], headers=[nfd(h) for h in HEADERS], sheet=nfd("Số liệu"))
    _upload(officer, content)
    _confirm_latest(officer, data.officer_a)
    value = ActivityValue.objects.get(report=data.draft, indicator=data.patrol)
    assert value.value == 13
    assert value.comment == "Tuần tra đêm" == unicodedata.normalize("NFC", value.comment)


def test_thousands_separators_are_accepted_when_unambiguous(officer, data):
    content = xlsx(
        [
            row(value="1.800"),
            row(indicator="HOA_GIAI", value="1,800"),
            row(indicator="VNEID", value="1.500.000"),
        ]
    )
    _upload(officer, content)
    _confirm_latest(officer, data.officer_a)
    values = dict(
        ActivityValue.objects.filter(report=data.draft).values_list("indicator__code", "value")
    )
    assert values == {"TUAN_TRA": 1800, "HOA_GIAI": 1800, "VNEID": 1500000}


def test_blank_rows_are_skipped_and_never_delete_a_figure(officer, data):
    _upload(officer, xlsx([row(value=None), row(indicator="HOA_GIAI", value=2)]))
    _confirm_latest(officer, data.officer_a)
    assert ActivityValue.objects.get(report=data.draft, indicator=data.patrol).value == 10


def test_returned_month_is_written_and_goes_back_to_draft(officer, data):
    MonthlyReport.objects.filter(pk=data.draft.pk).update(status="returned")
    _upload(officer, xlsx([row(value=99)]))
    _confirm_latest(officer, data.officer_a)
    data.draft.refresh_from_db()
    assert data.draft.status == "draft"
    assert ActivityValue.objects.get(report=data.draft, indicator=data.patrol).value == 99


# --- Workflow and scope --------------------------------------------------------------------


@pytest.mark.parametrize(("month", "status"), [("02/2024", "đã duyệt"), ("01/2024", "đã gửi")])
def test_submitted_or_approved_months_are_not_changed(officer, data, month, status):
    text = _refused(officer, data.officer_a, xlsx([row(month=month, value=55)]))
    assert (
        f"Dòng 2: Huyện Anh Sơn, tháng {month} đang ở trạng thái “{status}”; số liệu này "
        "không được thay đổi." in text
    )


def test_locked_rows_do_not_stop_the_other_rows(officer, data):
    _upload(officer, xlsx([row(month="02/2024", value=55), row(value=12)]))
    response = _confirm_latest(officer, data.officer_a)
    assert "1 số liệu thuộc tháng đã gửi hoặc đã duyệt không được thay đổi." in (
        response.content.decode()
    )
    assert ActivityValue.objects.get(report=data.approved).value == 7
    assert ActivityValue.objects.get(report=data.draft, indicator=data.patrol).value == 12


def test_officer_file_touching_another_district_is_rejected_whole(officer, data):
    content = xlsx([row(value=12), row(unit="B", value=1)])
    text = _refused(officer, data.officer_a, content)
    assert (
        "Tệp có số liệu của đơn vị mà bạn không được nhập (B, lần đầu ở dòng 3). Không có số "
        "liệu nào được nhập" in text
    )
    assert "4242" not in text and "4.242" not in text  # B's figures are never shown


def test_staff_may_import_all_districts(staff, data):
    _upload(staff, xlsx([row(value=12), row(unit="B", value=1)]))
    _confirm_latest(staff, data.staff)
    assert ActivityValue.objects.get(report=data.other).value == 1


def test_viewer_cannot_import(client, data):
    client.force_login(data.viewer_a)
    assert client.get(UPLOAD).status_code == 403
    before = snapshot()
    assert client.post(UPLOAD, {"file": io_file(xlsx([row(value=1)]), "a.xlsx")}).status_code == 403
    assert snapshot() == before


def test_another_users_preview_is_not_found(officer, data, client):
    _upload(officer, xlsx([row(value=12)]))
    batch = ImportBatch.objects.get()
    client.force_login(data.staff)
    assert client.get(reverse("activities:import_preview", args=[batch.token])).status_code == 404
    before = snapshot()
    response = client.post(reverse("activities:import_confirm", args=[batch.token]))
    assert response.status_code == 404
    assert snapshot() == before


def test_confirm_is_refused_when_figures_changed_since_the_preview(officer, data):
    _upload(officer, xlsx([row(value=12)]))
    # Meanwhile someone submits the month.
    MonthlyReport.objects.filter(pk=data.draft.pk).update(status="submitted")
    before = snapshot()
    response = _confirm_latest(officer, data.officer_a)
    text = response.content.decode()
    assert "Số liệu đã thay đổi từ lúc bạn xem trước" in text
    assert "đang ở trạng thái “đã gửi”" in text  # the refreshed preview says why
    assert snapshot() == before


# --- Row rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            row(indicator="KHONG_CO", value=1),
            "Dòng 2, cột “Mã chỉ tiêu”: “KHONG_CO” không phải là chỉ tiêu của kế hoạch này.",
        ),
        (
            row(unit="ZZ", value=1),
            "Dòng 2, cột “Mã đơn vị”: “ZZ” không phải là đơn vị thuộc kế hoạch này.",
        ),
        (row(value=-5), "Dòng 2, cột “Giá trị”: Số liệu không được âm."),
        (row(value="-5"), "Dòng 2, cột “Giá trị”: Số liệu không được âm."),
        (
            row(value=2.5),
            "Dòng 2, cột “Giá trị”: 2,5 không phải số nguyên; chỉ tiêu này chỉ nhận số nguyên.",
        ),
        (
            row(value="2,5"),
            "Dòng 2, cột “Giá trị”: 2,5 không phải số nguyên; chỉ tiêu này chỉ nhận số nguyên.",
        ),
        (row(value="mười hai"), "Dòng 2, cột “Giá trị”: “mười hai” không phải là số."),
        (
            row(value="1.800,5"),
            "Dòng 2, cột “Giá trị”: “1.800,5” không rõ nghĩa: hãy viết số không có dấu phân cách",
        ),
        (row(value="0.500"), "Dòng 2, cột “Giá trị”: “0.500” không rõ nghĩa"),
        (row(value="1.80.0"), "Dòng 2, cột “Giá trị”: “1.80.0” không rõ nghĩa"),
        (
            row(indicator="DVC_TT", numerator=5, denominator=4),
            "Dòng 2, cột “Tử số”: Tử số (5) không được lớn hơn mẫu số (4).",
        ),
        (
            row(indicator="DVC_TT", numerator=5),
            "Dòng 2, cột “Mẫu số”: Nhập cả tử số và mẫu số.",
        ),
        (
            row(indicator="DVC_TT", value=5),
            "Dòng 2, cột “Giá trị”: Đây là chỉ tiêu tỷ lệ: hãy nhập tử số và mẫu số",
        ),
        (
            row(numerator=1, denominator=2),
            "Dòng 2, cột “Tử số”: Chỉ tiêu này chỉ nhận một giá trị, không nhận tử số và mẫu số.",
        ),
        (
            row(month="05/2023", value=1),
            "Dòng 2, cột “Tháng”: tháng 05/2023 nằm ngoài thời gian kế hoạch của Huyện Anh Sơn "
            "(01/06/2023 – 30/06/2025).",
        ),
        (
            row(month=NEXT_MONTH, value=1),
            f"Dòng 2, cột “Tháng”: tháng {NEXT_MONTH} chưa đến; "
            "chưa thể nhập số liệu cho tháng này.",
        ),
        (
            row(month="tháng ba", value=1),
            "Dòng 2, cột “Tháng”: “tháng ba” không phải là tháng; hãy viết theo dạng MM/YYYY",
        ),
        (
            row(value=1, key="A|HOA_GIAI|2024-03"),
            "Dòng 2, cột “Khóa”: khóa ẩn (A|HOA_GIAI|2024-03) không khớp với đơn vị, chỉ tiêu",
        ),
        (
            row(value=1, comment="x" * 501),
            "Dòng 2, cột “Ghi chú”: Ghi chú chỉ được dài tối đa 500 ký tự.",
        ),
    ],
    ids=[
        "unknown-indicator",
        "unknown-district",
        "negative",
        "negative-text",
        "decimal",
        "decimal-comma",
        "text",
        "ambiguous-mixed",
        "ambiguous-leading-zero",
        "ambiguous-groups",
        "numerator-above-denominator",
        "half-a-ratio",
        "value-for-a-ratio",
        "ratio-parts-for-a-count",
        "month-outside-plan",
        "future-month",
        "not-a-month",
        "key-mismatch",
        "long-comment",
    ],
)
def test_row_rule_refuses_the_file_with_a_message(officer, data, cells, message):
    # A valid row comes first: one bad row must stop it too.
    content = xlsx([row(indicator="HOA_GIAI", value=3), cells])
    text = _refused(officer, data.officer_a, content)
    assert message.replace("Dòng 2", "Dòng 3") in text
    assert "Tệp có lỗi. Không có số liệu nào được nhập" in text
    assert "Xác nhận nhập" not in text


def test_duplicate_rows_are_refused(officer, data):
    content = xlsx([row(value=1), row(indicator="HOA_GIAI", value=2), row(value=3)])
    text = _refused(officer, data.officer_a, content)
    assert (
        "Dòng 4, cột “Mã chỉ tiêu”: dòng 2 đã có chỉ tiêu TUAN_TRA của Huyện Anh Sơn tháng "
        "03/2024 (dòng trùng)." in text
    )


# --- File rules ----------------------------------------------------------------------------


def _ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _merged() -> bytes:
    return xlsx([row(value=1), row(indicator="HOA_GIAI", value=2)], merge="B2:B3")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "trong.xlsx", "Tệp trống."),
        (xlsx([]), "chi-tieu-de.xlsx", "Tệp không có dòng số liệu nào dưới dòng tiêu đề."),
        (csv_file([]), "chi-tieu-de.csv", "Tệp không có dòng số liệu nào dưới dòng tiêu đề."),
        (
            xlsx([row(value=1)], sheet="Sheet1"),
            "sai-trang.xlsx",
            "Tệp không có trang tính tên “Số liệu” (chỉ có: “Sheet1”).",
        ),
        (
            xlsx([[*row(value=1), "thêm"]], headers=[*HEADERS, "Cột thêm"]),
            "them-cot.xlsx",
            "Cột L (“Cột thêm”) không có trong tệp mẫu; hãy xóa cột này.",
        ),
        (
            xlsx([[*row(value=1), "lạc"]]),
            "du-lieu-lac.xlsx",
            "Dòng 2 có dữ liệu ở cột L, cột này không có trong tệp mẫu.",
        ),
        (
            xlsx([row(value=1)], headers=HEADERS[:7]),
            "thieu-cot.xlsx",
            "Dòng đầu tiên phải là tiêu đề cột của tệp mẫu; còn thiếu: “Giá trị”, “Tử số”",
        ),
        (_merged(), "o-gop.xlsx", "Trang tính có ô gộp (B2:B3)."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "cu.xls",
            "Đây là tệp Excel 97–2003 (.xls) cũ.",
        ),
        (_ods(), "bang-tinh.ods", "Đây là tệp OpenDocument (.ods)."),
        (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00",
            "doi-ten.xlsx",
            "Tệp này không phải bảng tính.",
        ),
        ("Khóa,Tháng\n".encode("latin-1"), "ansi.csv", "Tệp không phải bảng tính mã hóa UTF-8."),
        ("Khóa\n".encode("utf-16"), "utf16.csv", "Tệp văn bản này mã hóa UTF-16."),
    ],
    ids=[
        "empty",
        "header-only-xlsx",
        "header-only-csv",
        "wrong-sheet",
        "extra-column",
        "stray-data",
        "missing-columns",
        "merged-cells",
        "xls",
        "ods",
        "renamed-pdf",
        "not-utf8",
        "utf16",
    ],
)
def test_file_rule_refuses_the_file_with_a_message(officer, data, content, name, message):
    text = _refused(officer, data.officer_a, content, name)
    assert "Không thể nhập tệp; không có gì bị thay đổi." in text
    assert message in text


def test_files_over_the_size_limit_are_refused(officer, data, settings):
    settings.MAX_UPLOAD_BYTES = 4096
    content = xlsx([row(value=1, comment="x" * 400) for _ in range(40)])
    assert len(content) > 4096
    text = _refused(officer, data.officer_a, content)
    assert "Tệp lớn hơn 4 KB. Hãy chia thành các tệp nhỏ hơn." in text


def test_files_over_the_row_limit_are_refused(officer, data, settings):
    settings.IMPORT_MAX_ROWS = 2
    content = xlsx([row(month=f"{m:02d}/2024", value=1) for m in (3, 4, 5)])
    text = _refused(officer, data.officer_a, content)
    assert "Tệp có hơn 2 dòng. Hãy chia thành các tệp nhỏ hơn." in text


# --- Cost ----------------------------------------------------------------------------------


def _rows(count_months: int) -> list:
    months = [dt.date(2023, 6, 1)]
    while len(months) < count_months:
        last = months[-1]
        months.append(dt.date(last.year + last.month // 12, last.month % 12 + 1, 1))
    cells = []
    for month in months:
        label = f"{month:%m/%Y}"
        cells += [
            row(unit=unit, indicator=code, month=label, value=5)
            for unit in ("A", "B")
            for code in ("TUAN_TRA", "HOA_GIAI", "VNEID")
        ]
        cells += [
            row(unit=unit, indicator="DVC_TT", month=label, numerator=1, denominator=2)
            for unit in ("A", "B")
        ]
    return cells


@pytest.mark.parametrize("months", [2, 20])
def test_preview_and_confirm_cost_a_fixed_number_of_queries(
    client, world, months, django_assert_max_num_queries
):
    client.force_login(world.staff)
    content = xlsx(_rows(months))
    with django_assert_max_num_queries(16):
        response = client.post(UPLOAD, {"file": io_file(content, "tinh.xlsx")})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    with django_assert_max_num_queries(12):
        client.get(reverse("activities:import_preview", args=[batch.token]))
    with django_assert_max_num_queries(24):
        client.post(reverse("activities:import_confirm", args=[batch.token]))
    assert ActivityValue.objects.count() == months * 8
    assert AuditEvent.objects.filter(action="import").count() == months * 2
