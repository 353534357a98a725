"""A district officer never reads or writes another district's data, whatever id is typed."""

import pytest
from django.urls import reverse

from activities.models import ActivityValue, MonthlyReport


@pytest.fixture
def report_b(world):
    report = MonthlyReport.objects.create(
        sub_agreement=world.sub_b, month=world.month, status="submitted", version=3
    )
    ActivityValue.objects.create(report=report, indicator=world.patrol, value=77)
    return report


def test_officer_cannot_open_another_districts_months(client, world, report_b):
    client.force_login(world.officer_a)
    for url in (
        reverse("activities:month_list", args=[world.sub_b.pk]),
        reverse("activities:month_entry", args=[world.sub_b.pk, "2024-03"]),
        reverse("activities:report_detail", args=[report_b.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_officer_cannot_write_another_districts_month(client, world, report_b):
    client.force_login(world.officer_a)
    url = reverse("activities:month_entry", args=[world.sub_b.pk, "2024-03"])
    response = client.post(url, {"version": 3, "action": "save", f"v_{world.patrol.pk}": "1"})
    assert response.status_code == 404
    review = client.post(
        reverse("activities:report_review", args=[report_b.pk]), {"action": "approve", "version": 3}
    )
    assert review.status_code == 404
    assert ActivityValue.objects.get(report=report_b).value == 77
    assert MonthlyReport.objects.get(pk=report_b.pk).status == "submitted"


def test_nonexistent_ids_look_the_same_as_forbidden_ones(client, world, report_b):
    client.force_login(world.officer_a)
    missing = reverse("activities:report_detail", args=[report_b.pk + 1000])
    forbidden = reverse("activities:report_detail", args=[report_b.pk])
    assert client.get(missing).status_code == client.get(forbidden).status_code == 404


def test_district_viewer_reads_but_cannot_write(client, world):
    client.force_login(world.viewer_a)
    url = reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"])
    page = client.get(url)
    assert page.status_code == 200 and 'name="action"' not in page.content.decode()
    response = client.post(url, {"version": 1, "action": "save", f"v_{world.patrol.pk}": "1"})
    assert response.status_code == 403
    assert not MonthlyReport.objects.exists()


def test_district_users_cannot_review(client, world, report_b):
    for user in (world.officer_b, world.leader):
        client.force_login(user)
        assert client.get(reverse("activities:review_inbox")).status_code == 403
        response = client.post(
            reverse("activities:report_review", args=[report_b.pk]),
            {"action": "approve", "version": 3},
        )
        assert response.status_code == 403
    assert MonthlyReport.objects.get(pk=report_b.pk).status == "submitted"


def test_anonymous_users_are_sent_to_login(client, world, report_b):
    for url in (
        "/",
        reverse("activities:report_detail", args=[report_b.pk]),
        reverse("activities:month_list", args=[world.sub_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_and_leadership_read_every_district(client, world, report_b):
    for user in (world.staff, world.leader):
        client.force_login(user)
        assert (
            client.get(reverse("activities:report_detail", args=[report_b.pk])).status_code == 200
        )
