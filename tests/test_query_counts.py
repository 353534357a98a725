"""A page's queries do not grow with the number of indicators (or districts)."""

import pytest
from django.urls import reverse

from activities.models import MonthlyReport
from tests import factories as f

# Session, user, scope, plans (one query for the plan choice and the switcher), sub-agreement,
# report, indicators, values ×3, history, sample flag, the bell's unread count, the evidence's
# suggestions (one per provider: the activity records)…
ENTRY_PAGE_QUERIES = 16
SAVED_ENTRY_PAGE_QUERIES = 19
# Includes savepoints: atomic service calls nest inside the test transaction.
SAVE_QUERIES = 26


def add_indicators(world, count):
    for n in range(count):
        f.IndicatorFactory(task=world.tasks[n % 3], code=f"EXTRA{n}", order=100 + n)


def post_data(indicators, value="5"):
    data = {"version": 0, "action": "save", "narrative": "Ghi chú"}
    for indicator in indicators:
        if indicator.is_ratio:
            data[f"n_{indicator.pk}"], data[f"d_{indicator.pk}"] = "1", "2"
        else:
            data[f"v_{indicator.pk}"] = value
    return data


@pytest.mark.parametrize("extra", [0, 40])
def test_entry_page_queries_are_fixed(client, world, django_assert_max_num_queries, extra):
    add_indicators(world, extra)
    for _district in range(extra // 4):
        f.SubAgreementFactory(parent=world.plan)
    client.force_login(world.officer_a)
    client.post(
        reverse("activities:month_entry", args=[world.sub_a.pk, "2024-02"]),
        post_data(world.plan.indicators.all()),
    )
    url = reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"])
    with django_assert_max_num_queries(ENTRY_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    # A month already saved also shows its soft checks and history: still fixed.
    saved = reverse("activities:month_entry", args=[world.sub_a.pk, "2024-02"])
    with django_assert_max_num_queries(SAVED_ENTRY_PAGE_QUERIES):
        assert client.get(saved).status_code == 200


@pytest.mark.parametrize("extra", [0, 40])
def test_saving_a_month_queries_are_fixed(client, world, django_assert_max_num_queries, extra):
    add_indicators(world, extra)
    client.force_login(world.officer_a)
    url = reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"])
    indicators = list(world.plan.indicators.all())
    with django_assert_max_num_queries(SAVE_QUERIES):
        response = client.post(url, post_data(indicators))
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert report.values.count() == len(indicators)
    # Changing every value again: updates in bulk, still a fixed number.
    data = post_data(indicators, value="6")
    data["version"] = report.version
    with django_assert_max_num_queries(SAVE_QUERIES):
        assert client.post(url, data).status_code == 302
    assert set(report.values.exclude(value=None).values_list("value", flat=True)) == {6}


@pytest.mark.parametrize("districts", [2, 25])
def test_inbox_and_home_queries_do_not_grow_with_districts(
    client, world, django_assert_max_num_queries, districts
):
    for _n in range(districts):
        sub = f.SubAgreementFactory(parent=world.plan)
        MonthlyReport.objects.create(sub_agreement=sub, month=world.month, status="submitted")
    client.force_login(world.staff)
    # 12 + the inbox's warnings, the bell and the former-district choices (tests/test_inbox.py
    # checks it at 21 and 151 units).
    with django_assert_max_num_queries(15):
        assert client.get(reverse("activities:review_inbox")).status_code == 200
    with django_assert_max_num_queries(19):  # the bell, the taken-over units, the sample label
        assert client.get("/").status_code == 200
