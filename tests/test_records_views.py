"""The activity record pages: scope on the server, the list's filters and search, the export,
the files served only through the scoped view, and fixed query counts."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from activities.models import MonthlyReport
from records.models import ActivityRecord
from tests import factories as f
from tests.records_helpers import MEDIATION, PATROL, add_record, photo, record_type

pytestmark = pytest.mark.django_db

# Session, user, roles, the plan (2), the units, then the page: count, records, amounts,
# files; the filters' types and indicators; the bell; the session saved.
RECORD_LIST_QUERIES = 15


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(world, **changes):
    data = {
        "record_type": record_type("Buổi nói chuyện, họp dân").pk,
        "date": "2024-03-12",
        "place": "Bản Huồi Tụ, xã Huồi Tụ",
        "participants": "85",
        "description": "Nói chuyện về phòng, chống ma túy cho bà con",
    }
    data.update(changes)
    return data


def test_an_officer_records_a_talk_with_a_photo(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.officer_a)
    url = reverse("records:record_create", args=[world.sub_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Ghi nhận hoạt động" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**form_data(world), "files": [photo()]})
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert record.participants == 85 and record.attachments.count() == 1
    detail = client.get(response.url).content.decode()
    assert "Bản Huồi Tụ" in detail
    attachment = record.attachments.get()
    image = client.get(reverse("records:attachment", args=[attachment.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"Exif" not in b"".join(image.streaming_content)
    thumb = client.get(reverse("records:attachment_thumbnail", args=[attachment.pk]))
    assert thumb.status_code == 200


def test_a_bad_form_says_why_in_vietnamese_and_writes_nothing(client, world):
    client.force_login(world.officer_a)
    url = reverse("records:record_create", args=[world.sub_a.pk])
    response = client.post(url, form_data(world, date="2025-02-01"))
    assert response.status_code == 200
    assert "Ngày không được ở tương lai." in response.content.decode()
    response = client.post(url, form_data(world, participants="-3"))
    assert "Số liệu không được âm." in response.content.decode()
    assert not ActivityRecord.objects.exists()


def test_another_units_record_and_file_are_404_and_viewers_cannot_edit(client, world):
    record = add_record(world.officer_b, world.sub_b, files=[photo()])
    attachment = record.attachments.get()
    client.force_login(world.officer_a)
    for name, args in (
        ("records:record_detail", [record.pk]),
        ("records:record_edit", [record.pk]),
        ("records:attachment", [attachment.pk]),
        ("records:attachment_thumbnail", [attachment.pk]),
        ("records:record_create", [world.sub_b.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("records:record_delete", args=[record.pk])).status_code == 404
    assert client.get(reverse("records:record_list") + f"?unit={world.sub_b.pk}").status_code == 404
    # The district viewer of B reads but cannot edit.
    viewer = f.UserFactory(username="congan.b")
    f.MembershipFactory(user=viewer, org_unit=world.unit_b, role="district_viewer")
    client.force_login(viewer)
    assert client.get(reverse("records:record_detail", args=[record.pk])).status_code == 200
    assert client.get(reverse("records:record_edit", args=[record.pk])).status_code == 403
    assert (
        client.post(
            reverse("records:record_delete", args=[record.pk]), {"confirmed": "1"}
        ).status_code
        == 403
    )
    assert client.get(reverse("records:record_create", args=[world.sub_b.pk])).status_code == 403
    assert ActivityRecord.objects.filter(pk=record.pk).exists()


def test_the_files_are_not_under_a_public_url(client, world):
    record = add_record(world.officer_a, world.sub_a, files=[photo()])
    attachment = record.attachments.get()
    client.logout()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    response = client.get(reverse("records:attachment", args=[attachment.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_deleting_from_the_page_is_refused_for_an_approved_month(client, world):
    record = add_record(world.officer_a, world.sub_a)
    f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 3, 1), status=MonthlyReport.Status.APPROVED
    )
    client.force_login(world.officer_a)
    url = reverse("records:record_delete", args=[record.pk])
    assert "Xóa hoạt động" in client.post(url).content.decode()
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert "03/2024 đã được duyệt" in response.content.decode()
    assert ActivityRecord.objects.filter(pk=record.pk).exists()


def test_search_ignores_diacritics_and_filters_combine(client, world):
    add_record(world.officer_a, world.sub_a, place="Bản Huồi Tụ", description="Tuần tra")
    add_record(
        world.officer_a,
        world.sub_a,
        kind=MEDIATION,
        place="Xóm Đồng Văn",
        description="Hòa giải tranh chấp đất",
        day=dt.date(2024, 4, 3),
    )
    add_record(world.officer_b, world.sub_b, place="Bản Huồi Tụ", description="Tuần tra")
    client.force_login(world.officer_a)
    url = reverse("records:record_list")

    def found(query):
        body = client.get(f"{url}?{query}").content.decode()
        return len(re.findall(r'href="/records/\d+/"', body))

    assert found("q=huoi+tu") == 1  # B's record is out of scope
    assert found("q=HUỒI") == 1
    assert found("q=dong+van") == 1
    assert found("month=2024-04") == 1
    assert found(f"indicator={world.mediation.pk}") == 1
    assert found(f"type={record_type(PATROL).pk}") == 1
    client.force_login(world.leader)
    assert found("q=huoi+tu") == 2
    assert found(f"q=huoi+tu&unit={world.sub_b.pk}") == 1


def test_the_export_is_formula_safe(client, world):
    add_record(world.officer_a, world.sub_a, description='=HYPERLINK("http://x.example","y")')
    client.force_login(world.officer_a)
    response = client.get(reverse("records:record_list") + "?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][6] == '\'=HYPERLINK("http://x.example","y")'
    assert rows[1][5] == 12 and isinstance(rows[1][0], dt.datetime)
    header = rows[0]
    patrol_column = next(i for i, h in enumerate(header) if h and h.startswith("Ca tuần tra"))
    assert rows[1][patrol_column] == 1
    assert sheet.cell(row=2, column=7).data_type == "s"


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, count
):
    for index in range(count):
        add_record(
            world.officer_a,
            world.sub_a,
            day=dt.date(2024, 3, 1 + index % 28),
            amounts={world.patrol.pk: 1, world.mediation.pk: 2},
            files=[photo()] if index % 10 == 0 else (),
        )
    client.force_login(world.officer_a)
    with django_assert_max_num_queries(RECORD_LIST_QUERIES):
        assert client.get(reverse("records:record_list")).status_code == 200
    client.force_login(world.leader)
    with django_assert_max_num_queries(RECORD_LIST_QUERIES):
        assert client.get(reverse("records:record_list")).status_code == 200
    with django_assert_max_num_queries(RECORD_LIST_QUERIES):
        assert client.get(reverse("records:record_list") + "?format=xlsx").status_code == 200
