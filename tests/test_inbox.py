"""The review inbox: filters, waiting time and late flag, pages, a confirmation before a
decision, then the next month of the same view; its queries do not grow with the units."""

import datetime as dt

import pytest
from django.urls import reverse

from activities.models import MonthlyReport
from tests import factories as f
from tests.conftest import VIETNAM


def submit(sub, month, at):
    return MonthlyReport.objects.create(
        sub_agreement=sub, month=month, status="submitted", submitted_at=at
    )


def at(day, hour=9):
    return dt.datetime(2025, 1, day, hour, 0, tzinfo=VIETNAM)


def test_inbox_rows_show_waiting_days_and_late_flag(client, world):
    submit(world.sub_a, dt.date(2024, 12, 1), at(3))  # on time (deadline 05/01)
    submit(world.sub_b, dt.date(2024, 12, 1), at(9))  # late
    client.force_login(world.staff)
    response = client.get(reverse("activities:review_inbox"))
    rows = response.context["inbox"].rows
    assert [(r.report.sub_agreement.org_unit.name, r.waiting_days, r.is_late) for r in rows] == [
        ("Huyện Anh Sơn", 12, False),
        ("Huyện Bình Thử", 6, True),
    ]
    assert "2 tháng, gửi sớm nhất lên đầu" in response.content.decode()


def test_inbox_filters_by_unit_status_waiting_and_warnings(client, world):
    a = submit(world.sub_a, dt.date(2024, 12, 1), at(3))
    b = submit(world.sub_b, dt.date(2024, 12, 1), at(14))
    # A spike in B's month: 100 against a usual 5.
    for n in range(1, 4):
        past = MonthlyReport.objects.create(
            sub_agreement=world.sub_b, month=dt.date(2024, n, 1), status="approved"
        )
        f.ActivityValueFactory(report=past, indicator=world.patrol, value=5)
    f.ActivityValueFactory(report=b, indicator=world.patrol, value=100)
    client.force_login(world.staff)
    url = reverse("activities:review_inbox")

    def ids(**params):
        return [r.report.pk for r in client.get(url, params).context["inbox"].rows]

    assert ids() == [a.pk, b.pk]
    assert ids(unit=world.sub_b.pk) == [b.pk]
    assert ids(waited=7) == [a.pk]
    assert ids(warnings="yes") == [b.pk]
    assert ids(warnings="no") == [a.pk]
    assert ids(status="approved") == sorted(
        MonthlyReport.objects.filter(status="approved").values_list("pk", flat=True)
    )
    assert ids(unit="abc", waited="-1", status="<x>") == [a.pk, b.pk]  # malformed: ignored


def test_inbox_is_paginated(client, world):
    for n in range(30):
        sub = f.SubAgreementFactory(parent=world.plan)
        submit(sub, dt.date(2024, 12, 1), at(3) + dt.timedelta(minutes=n))
    client.force_login(world.staff)
    first = client.get(reverse("activities:review_inbox"))
    assert len(first.context["inbox"].rows) == 25
    second = client.get(reverse("activities:review_inbox"), {"page": 2})
    assert len(second.context["inbox"].rows) == 5
    assert "Trang 2/2" in second.content.decode() or "Trang 2" in second.content.decode()


def test_approve_asks_for_confirmation_then_goes_to_the_next_month_in_the_same_filter(
    client, world
):
    first = submit(world.sub_a, dt.date(2024, 11, 1), at(1))
    other_unit = submit(world.sub_b, dt.date(2024, 11, 1), at(2))
    second = submit(world.sub_a, dt.date(2024, 12, 1), at(3))
    client.force_login(world.staff)
    url = reverse("activities:report_review", args=[first.pk])
    filters = f"unit={world.sub_a.pk}"
    asked = client.post(url, {"action": "approve", "version": 1, "filters": filters})
    assert asked.status_code == 200
    assert "Xác nhận duyệt" in asked.content.decode()
    assert MonthlyReport.objects.get(pk=first.pk).status == "submitted"
    done = client.post(
        url, {"action": "approve", "version": 1, "filters": filters, "confirmed": "1"}
    )
    assert MonthlyReport.objects.get(pk=first.pk).status == "approved"
    assert done["Location"] == reverse("activities:report_detail", args=[second.pk]) + "?" + filters
    assert other_unit.pk != second.pk
    # Returning the last one of the view goes back to the (filtered) inbox.
    back = client.post(
        reverse("activities:report_review", args=[second.pk]),
        {"action": "return", "version": 1, "reason": "Thiếu", "filters": filters, "confirmed": "1"},
    )
    assert back["Location"] == reverse("activities:review_inbox") + "?" + filters


def test_return_confirmation_shows_the_reason(client, world):
    report = submit(world.sub_a, dt.date(2024, 12, 1), at(3))
    client.force_login(world.staff)
    page = client.post(
        reverse("activities:report_review", args=[report.pk]),
        {"action": "return", "version": 1, "reason": "Số liệu VNeID giảm"},
    ).content.decode()
    assert "Trả lại báo cáo tháng 12/2024 cho Huyện Anh Sơn" in page
    assert "Số liệu VNeID giảm" in page and "Xác nhận trả lại" in page


@pytest.mark.parametrize("units", [21, 151])
def test_inbox_queries_do_not_grow_with_units(client, world, django_assert_max_num_queries, units):
    for n in range(units):
        sub = f.SubAgreementFactory(parent=world.plan)
        report = submit(sub, dt.date(2024, 12, 1), at(3) + dt.timedelta(minutes=n))
        f.ActivityValueFactory(report=report, indicator=world.patrol, value=n)
    client.force_login(world.staff)
    url = reverse("activities:review_inbox")
    # Session, user, scope, the filtered months, warnings (2), units for the filter, late
    # units (2), the former districts for the filter (2), the bell, messages…
    for params in ({}, {"warnings": "yes"}, {"unit": world.sub_a.pk, "waited": 3}):
        with django_assert_max_num_queries(16):
            assert client.get(url, params).status_code == 200
    report = MonthlyReport.objects.filter(status="submitted").first()
    with django_assert_max_num_queries(30):
        client.post(
            reverse("activities:report_review", args=[report.pk]),
            {"action": "approve", "version": 1, "confirmed": "1"},
        )
