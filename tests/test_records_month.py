"""The month from its records: the entry page suggests each indicator's figure from the
month's records and fills the empty fields on request; the review page shows the records
behind the month; both in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from activities.models import ActivityValue, MonthlyReport
from tests.records_helpers import MEDIATION, add_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def entry_url(world, month="2024-03"):
    return reverse("activities:month_entry", args=[world.sub_a.pk, month])


def test_the_entry_page_shows_what_the_records_add_up_to(client, world):
    for day in (3, 9, 21):
        add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, day))
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 4), kind=MEDIATION)
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 2, 4))  # another month
    add_record(world.officer_b, world.sub_b, day=dt.date(2024, 3, 4))  # another unit
    client.force_login(world.officer_a)
    body = client.get(entry_url(world)).content.decode()
    assert "Theo nhật ký hoạt động: <strong>3</strong> (từ 3 hoạt động)" in body
    assert "Theo nhật ký hoạt động: <strong>1</strong> (từ 1 hoạt động)" in body
    assert f'name="v_{world.patrol.pk}"' in body and 'placeholder="3"' in body
    assert "Dùng số gợi ý" in body
    assert "Nhật ký hoạt động 03/2024" in body


def test_using_the_suggestions_fills_only_the_empty_fields(client, world):
    for day in (3, 9, 21):
        add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, day))
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 4), kind=MEDIATION)
    client.force_login(world.officer_a)
    response = client.post(
        entry_url(world),
        {
            "version": "0",
            "action": "suggest",
            f"v_{world.patrol.pk}": "",
            f"v_{world.mediation.pk}": "2",
            f"c_{world.mediation.pk}": "Một vụ hòa giải chưa ghi nhật ký",
        },
        follow=True,
    )
    assert "Đã điền số gợi ý vào các ô còn trống và lưu nháp." in response.content.decode()
    report = MonthlyReport.objects.get()
    assert report.status == MonthlyReport.Status.DRAFT
    values = {v.indicator_id: v for v in ActivityValue.objects.filter(report=report)}
    assert values[world.patrol.pk].value == 3
    # The officer's own figure stays, with its comment; the page says it differs.
    assert values[world.mediation.pk].value == 2
    assert values[world.mediation.pk].comment == "Một vụ hòa giải chưa ghi nhật ký"
    assert "khác số liệu đã nhập" in response.content.decode()


def test_a_viewer_cannot_use_the_suggestions(client, world):
    add_record(world.officer_a, world.sub_a)
    client.force_login(world.viewer_a)
    assert "Dùng số gợi ý" not in client.get(entry_url(world)).content.decode()
    response = client.post(entry_url(world), {"version": "0", "action": "suggest"})
    assert response.status_code == 403
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("count", [2, 30])
def test_the_review_page_lists_the_months_records_in_fixed_queries(
    client, world, django_assert_max_num_queries, count
):
    for index in range(count):
        add_record(
            world.officer_a,
            world.sub_a,
            day=dt.date(2024, 3, 1 + index % 28),
            place=f"Bản {index}",
            amounts={world.patrol.pk: 1, world.mediation.pk: 1},
        )
    report = MonthlyReport.objects.create(
        sub_agreement=world.sub_a, month=dt.date(2024, 3, 1), status="submitted"
    )
    client.force_login(world.staff)
    url = reverse("activities:report_detail", args=[report.pk])
    with django_assert_max_num_queries(REVIEW_QUERIES):
        body = client.get(url).content.decode()
    assert "Các hoạt động làm căn cứ cho số liệu tháng" in body
    assert f"Đã ghi nhận {count} hoạt động." in body
    assert body.count("Bản ") >= count
    # The entry page stays fixed too, whatever the number of records.
    client.force_login(world.officer_a)
    with django_assert_max_num_queries(ENTRY_QUERIES):
        assert client.get(entry_url(world)).status_code == 200


# The month page, with the records behind it: three queries (records, amounts, files), and
# the soft checks the reviewer weighs (one more since the review page shows them).
REVIEW_QUERIES = 18
# tests/test_query_counts.py's ENTRY_PAGE_QUERIES (the suggestions included), and the session.
ENTRY_QUERIES = 17
