"""The housing register's pages: who sees what, every read of personal data logged, photos
without their EXIF, exports and the import, query counts that do not grow."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from PIL import Image

from housing.models import House, Household, HouseImportBatch, HousePhoto, PersonalDataAccess
from tests.housing_helpers import (
    HEAD_NAME,
    ID_NUMBER,
    PHONE,
    add_house,
    hand_over,
    jpeg_with_gps,
)
from tests.test_pdf import docs, issue, issued_pdf, pdf_text  # noqa: F401  (docs: a fixture)

D = dt.date
SECRETS = (HEAD_NAME.encode(), ID_NUMBER.encode(), PHONE.encode())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _has_personal(content: bytes) -> bool:
    return any(secret in content for secret in SECRETS)


def _xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return " ".join(
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


def test_officer_adds_a_house_with_its_household_and_each_view_is_logged(housing, client):
    client.force_login(housing.officer_a)
    response = client.post(
        reverse("housing:create", args=[housing.sub_a.pk]),
        {
            "commune": "Xã Tường Sơn",
            "village": "Bản Huồi Tụ",
            "current_unit": housing.unit_a.pk,
            "funding_source": "ministry",
            "amount": "60000000",
            "planned_completion": "2025-03-31",
            "household-head_name": HEAD_NAME,
            "household-id_number": ID_NUMBER,
            "household-phone": PHONE,
            "household-basis": "legal_duty",
        },
    )
    house = House.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "housing:detail", args=[house.pk]
    )
    assert house.household.head_name == HEAD_NAME
    before = PersonalDataAccess.objects.filter(action="view").count()
    page = client.get(response.url)
    assert HEAD_NAME in page.content.decode() and ID_NUMBER in page.content.decode()
    client.get(response.url)
    views = PersonalDataAccess.objects.filter(action="view").order_by("at")
    assert views.count() == before + 2
    assert (views.last().user, views.last().household_ids) == (
        housing.officer_a,
        [house.household.pk],
    )
    client.get(reverse("housing:edit", args=[house.pk]))
    assert PersonalDataAccess.objects.filter(action="edit_form").count() == 1


def test_a_bad_citizen_id_is_refused_with_a_vietnamese_message(housing, client):
    client.force_login(housing.officer_a)
    response = client.post(
        reverse("housing:create", args=[housing.sub_a.pk]),
        {
            "commune": "Xã Tường Sơn",
            "current_unit": housing.unit_a.pk,
            "funding_source": "ministry",
            "amount": "0",
            "household-head_name": HEAD_NAME,
            "household-id_number": "0401234",
            "household-basis": "legal_duty",
        },
    )
    assert response.status_code == 400
    assert "Số CCCD gồm đúng 12 chữ số." in response.content.decode()
    assert not House.objects.exists()


@pytest.mark.parametrize("who", ["leader", "viewer_a"])
def test_leadership_and_viewers_see_the_house_without_personal_data(housing, client, who):
    house = add_house(housing)
    client.force_login(getattr(housing, who))
    response = client.get(reverse("housing:detail", args=[house.pk]))
    assert response.status_code == 200
    assert "Bản Huồi Tụ" in response.content.decode()
    assert not _has_personal(response.content)
    response = client.get(reverse("housing:list", args=[housing.sub_a.pk]))
    assert response.status_code == 200 and not _has_personal(response.content)
    for name in ("housing:household_export", "housing:edit"):
        assert client.get(reverse(name, args=[house.pk])).status_code == 403
    assert not PersonalDataAccess.objects.exclude(action="correct").exists()


def test_another_units_house_and_photo_are_not_found(housing, client):
    house = add_house(housing)
    photo_upload = SimpleUploadedFile("nha.jpg", jpeg_with_gps(), content_type="image/jpeg")
    client.force_login(housing.officer_a)
    client.post(reverse("housing:photo_add", args=[house.pk]), {"photo": photo_upload})
    photo = HousePhoto.objects.get()
    client.force_login(housing.officer_b)
    for name in ("housing:detail", "housing:edit", "housing:household_export"):
        assert client.get(reverse(name, args=[house.pk])).status_code == 404
    assert client.post(reverse("housing:delete", args=[house.pk])).status_code == 404
    assert client.get(reverse("housing:photo", args=[photo.pk, "full"])).status_code == 404
    assert client.get(reverse("housing:list", args=[housing.sub_a.pk])).status_code == 404
    assert House.objects.filter(pk=house.pk).exists()


def test_a_stored_photo_has_no_exif_and_is_served_only_through_the_register(
    housing, client, django_capture_on_commit_callbacks
):
    house = add_house(housing)
    client.force_login(housing.officer_a)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("housing:photo_add", args=[house.pk]),
            {"photo": SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg")},
        )
    assert response.status_code == 302
    photo = HousePhoto.objects.get()
    # The thumbnail is the worker's job, queued once the upload commits.
    assert not photo.thumbnail
    assert client.get(reverse("housing:photo", args=[photo.pk, "thumb"])).status_code == 404
    page = client.get(reverse("housing:detail", args=[house.pk])).content.decode()
    assert "đang tạo ảnh thu nhỏ" in page
    for callback in callbacks:
        callback()
    photo.refresh_from_db()
    assert photo.thumbnail
    assert "IMG_0001" not in photo.image.name
    full = client.get(reverse("housing:photo", args=[photo.pk, "full"]))
    stored = b"".join(full.streaming_content)
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"PhoneMaker" not in stored
    thumb = client.get(reverse("housing:photo", args=[photo.pk, "thumb"]))
    assert thumb["Content-Type"] == "image/jpeg"
    page = client.get(reverse("housing:detail", args=[house.pk])).content.decode()
    assert reverse("housing:photo", args=[photo.pk, "thumb"]) in page
    assert client.get(f"/media/{photo.image.name}").status_code == 404


def test_a_polyglot_or_non_image_photo_is_refused(housing, client):
    house = add_house(housing)
    client.force_login(housing.officer_a)
    response = client.post(
        reverse("housing:photo_add", args=[house.pk]),
        {"photo": SimpleUploadedFile("nha.jpg", b"%PDF-1.4\n%%EOF\n")},
        follow=True,
    )
    assert "Không nhận loại tệp này" in response.content.decode()
    assert not HousePhoto.objects.exists()


def test_status_steps_from_the_page_with_clear_messages(housing, client):
    house = add_house(housing)
    client.force_login(housing.officer_a)
    url = reverse("housing:advance", args=[house.pk])
    response = client.post(url, {"to_status": "completed", "on": "2024-10-01"}, follow=True)
    assert "chỉ chuyển tiếp từng bước" in response.content.decode()
    client.post(url, {"to_status": "building", "on": "2024-10-01"})
    response = client.post(url, {"to_status": "completed", "on": "2025-02-01"}, follow=True)
    assert "Ngày 01/02/2025 ở tương lai." in response.content.decode()
    house.refresh_from_db()
    assert (house.status, house.started_on) == ("building", D(2024, 10, 1))
    client.force_login(housing.leader)
    assert client.post(url, {"to_status": "completed", "on": "2024-11-01"}).status_code == 403


# --- Exports -------------------------------------------------------------------------------


def test_exports_carry_personal_columns_only_for_the_right_roles_and_are_logged(housing, client):
    house = add_house(housing, note='=HYPERLINK("http://x")')
    url = reverse("housing:export")
    client.force_login(housing.leader)
    plain = client.get(url)
    assert plain.status_code == 200
    assert "Bản Huồi Tụ" in _xlsx_text(plain.content)
    assert HEAD_NAME not in _xlsx_text(plain.content) and ID_NUMBER not in _xlsx_text(plain.content)
    assert client.get(url, {"personal": "1"}).status_code == 403
    client.force_login(housing.viewer_a)
    assert client.get(url, {"sub": housing.sub_a.pk, "personal": "1"}).status_code == 403
    viewer = client.get(url, {"sub": housing.sub_a.pk})
    assert HEAD_NAME not in _xlsx_text(viewer.content)
    assert not PersonalDataAccess.objects.filter(action="export").exists()

    client.force_login(housing.officer_a)
    personal = client.get(url, {"sub": housing.sub_a.pk, "personal": "1"})
    text = _xlsx_text(personal.content)
    assert HEAD_NAME in text and ID_NUMBER in text
    sheet = load_workbook(io.BytesIO(personal.content)).active
    notes = [row[13].value for row in sheet.iter_rows(min_row=2)]
    assert notes == ['\'=HYPERLINK("http://x")']  # formula-safe
    log = PersonalDataAccess.objects.get(action="export")
    assert (log.user, log.household_ids) == (housing.officer_a, [house.household.pk])


def test_data_subject_export_in_json_and_xlsx_is_logged(housing, client):
    house = add_house(housing)
    client.force_login(housing.staff)
    response = client.get(reverse("housing:household_export", args=[house.pk]))
    assert response.json()["id_number"] == ID_NUMBER
    response = client.get(reverse("housing:household_export", args=[house.pk]), {"format": "xlsx"})
    assert HEAD_NAME in _xlsx_text(response.content)
    assert PersonalDataAccess.objects.filter(action="subject_export").count() == 2


def test_dashboards_and_the_province_view_hold_no_personal_data(housing, client):
    house = add_house(housing, planned_completion=D(2024, 6, 30))
    hand_over(
        housing,
        add_house(housing, village="Bản Cánh"),
        started=D(2024, 5, 1),
        completed=D(2024, 8, 1),
        handed=D(2024, 8, 20),
    )
    for user in (housing.leader, housing.staff, housing.admin):
        client.force_login(user)
        for url in (
            reverse("home"),
            reverse("reports:province"),
            reverse("reports:district", args=[housing.sub_a.pk]),
            reverse("housing:province"),
            reverse("housing:province") + "?late=1",
        ):
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            assert not _has_personal(response.content), (user, url)
    client.force_login(housing.leader)
    page = client.get(reverse("housing:province")).content.decode()
    assert "Bản Huồi Tụ" in page and "Bản Cánh" in page  # the houses are there
    assert "1.801 / 2.820" in page
    assert reverse("housing:detail", args=[house.pk]) in page


@pytest.mark.usefixtures("docs")
def test_the_provincial_pdf_holds_no_personal_data(
    housing, client, django_capture_on_commit_callbacks
):
    hand_over(
        housing,
        add_house(housing),
        started=D(2024, 7, 1),
        completed=D(2024, 8, 1),
        handed=D(2024, 8, 20),
    )
    response = issue(client, housing.staff, capture=django_capture_on_commit_callbacks)
    _report, data = issued_pdf(response)
    text = pdf_text(data)
    assert "Nghệ An" in text
    assert HEAD_NAME not in text and ID_NUMBER not in text and PHONE not in text
    assert not _has_personal(data)


def test_officers_cannot_open_the_province_view(housing, client):
    client.force_login(housing.officer_a)
    assert client.get(reverse("housing:province")).status_code == 403


# --- Access log ----------------------------------------------------------------------------


def test_only_the_admin_reads_the_access_log_filtered_by_user_and_day(housing, client):
    house = add_house(housing)
    client.force_login(housing.officer_a)
    client.get(reverse("housing:detail", args=[house.pk]))
    client.force_login(housing.staff)
    client.get(reverse("housing:detail", args=[house.pk]))
    assert client.get(reverse("housing:access_log")).status_code == 403
    client.force_login(housing.admin)
    page = client.get(reverse("housing:access_log"), {"user": "tinhdoan"}).content.decode()
    assert "tinhdoan" in page and "doan.a" not in page.split("<table")[1]
    assert not _has_personal(page.encode())
    other_day = client.get(reverse("housing:access_log"), {"day": "2025-01-14"}).content.decode()
    assert "tinhdoan" not in other_day.split("<table")[1]


# --- Import --------------------------------------------------------------------------------


def _house_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhà"
    sheet.append(
        ["Xã", "Thôn, bản", "Nguồn kinh phí", "Số tiền (đồng)", "Ngày khởi công",
         "Ngày hoàn thành", "Ngày bàn giao", "Chủ hộ", "Số CCCD"]
    )  # fmt: skip
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, housing, content: bytes):
    return client.post(
        reverse("housing:import_upload", args=[housing.sub_a.pk]),
        {"file": SimpleUploadedFile("danh-sach-nha.xlsx", content)},
    )


def test_import_previews_then_confirms_the_existing_house_list(housing, client):
    client.force_login(housing.officer_a)
    content = _house_file(
        [
            ["Xã Tường Sơn", "Bản Huồi Tụ", "Bộ Công an", 60000000, D(2024, 3, 1),
             D(2024, 6, 1), D(2024, 6, 15), HEAD_NAME, ID_NUMBER],
            ["Xã Tường Sơn", "Bản Cánh", "Quỹ Vì người nghèo huyện", "45.000.000", None,
             None, None, None, None],
        ]
    )  # fmt: skip
    response = _upload(client, housing, content)
    assert response.status_code == 302
    preview = client.get(response.url).content.decode()
    assert "Mới: <strong>2</strong>" in preview
    assert HEAD_NAME not in preview and ID_NUMBER not in preview
    assert not House.objects.exists()  # nothing written before confirming
    batch = HouseImportBatch.objects.get()
    response = client.post(reverse("housing:import_confirm", args=[batch.token]))
    assert response.status_code == 302
    houses = {h.village: h for h in House.objects.all()}
    assert houses["Bản Huồi Tụ"].status == "handed_over"
    assert houses["Bản Huồi Tụ"].household.id_number == ID_NUMBER
    assert (houses["Bản Cánh"].funding_source, houses["Bản Cánh"].funding_name) == (
        "other",
        "Quỹ Vì người nghèo huyện",
    )
    assert houses["Bản Cánh"].amount == 45_000_000
    batch.refresh_from_db()
    assert batch.rows == []  # the personal data of the file is not kept
    assert PersonalDataAccess.objects.filter(action="import").count() == 1
    # The register's own export uploaded again adds nothing.
    export = client.get(reverse("housing:export"), {"sub": housing.sub_a.pk})
    response = _upload(client, housing, export.content)
    assert "Đã có trong sổ: <strong>2</strong>" in client.get(response.url).content.decode()


def test_a_rejected_house_file_changes_nothing(housing, client):
    add_house(housing)
    client.force_login(housing.officer_a)
    content = _house_file(
        [
            ["Xã Tường Sơn", "Bản A", "Bộ Công an", 1000, None, D(2024, 6, 1), None, None, None],
            ["", "Bản B", "Bộ Công an", -5, None, None, None, HEAD_NAME, "123"],
        ]
    )
    response = _upload(client, housing, content)
    page = client.get(response.url).content.decode()
    assert "Lỗi: <strong>2</strong>" in page
    assert "Xác nhận nhập" not in page
    batch = HouseImportBatch.objects.get()
    client.post(reverse("housing:import_confirm", args=[batch.token]))
    assert House.objects.count() == 1 and Household.objects.count() == 1
    response = _upload(client, housing, b"not a spreadsheet at all")
    assert response.status_code == 400
    assert House.objects.count() == 1


def test_the_import_belongs_to_its_uploader(housing, client):
    client.force_login(housing.officer_a)
    _upload(client, housing, _house_file([["Xã Tường Sơn", "Bản A", "", 0, None, None, None,
                                           None, None]]))  # fmt: skip
    batch = HouseImportBatch.objects.get()
    client.force_login(housing.staff)
    assert client.get(reverse("housing:import_preview", args=[batch.token])).status_code == 404
    assert client.post(reverse("housing:import_confirm", args=[batch.token])).status_code == 404
    assert not House.objects.exists()


# --- Query counts --------------------------------------------------------------------------


def _many(housing, count):
    for n in range(count):
        house = add_house(housing, household=False, village=f"Bản {n}")
        HousePhoto.objects.create(house=house, content_type="image/jpeg", width=1, height=1)
        add_house(housing, sub=housing.sub_b, user=housing.staff, household=False)


def _queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


def test_lists_cost_a_fixed_number_of_queries(housing, client):
    pages = [
        (housing.leader, reverse("housing:list", args=[housing.sub_a.pk]), {}),
        (housing.officer_a, reverse("housing:list", args=[housing.sub_a.pk]), {"late": "1"}),
        (housing.leader, reverse("housing:province"), {}),
        (housing.leader, reverse("housing:province"), {"district": housing.unit_a.pk}),
        (housing.staff, reverse("housing:export"), {}),
    ]

    def measure():
        counts = []
        for user, url, data in pages:
            client.force_login(user)
            _queries(client, url, data)  # the session's first request stores the plan
            counts.append(_queries(client, url, data))
        return counts

    _many(housing, 2)
    small = measure()
    _many(housing, 30)
    assert measure() == small
    limits = [13, 13, 17, 20, 9]  # measured on SQLite: [13, 11, 17, 20, 9]
    assert all(count <= limit for count, limit in zip(small, limits, strict=True)), small


def test_the_province_export_follows_the_views_filters(housing, client):
    add_house(housing, household=False, village="Bản A")
    add_house(housing, sub=housing.sub_b, user=housing.officer_b, household=False, village="Bản B")
    client.force_login(housing.staff)
    page = client.get(reverse("housing:province"), {"district": housing.unit_b.pk})
    listing = page.content.decode().split('id="all-heading"')[1]
    assert "Bản B" in listing and "Bản A" not in listing
    export = client.get(reverse("housing:export"), {"district": housing.unit_b.pk})
    text = _xlsx_text(export.content)
    assert "Bản B" in text and "Bản A" not in text
    huge = client.get(reverse("housing:export"), {"district": "9" * 40})
    assert huge.status_code == 200
