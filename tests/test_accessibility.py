"""Main pages pass the axe-core accessibility rules (WCAG 2.1 A/AA) on a phone-sized screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from activities import services
from agreements.selectors import user_scope
from tests.conftest import login

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page, url):
    page.goto(url)
    results = Axe().run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, f"{url}:\n" + results.generate_report()


def test_reporting_pages_are_accessible(page, live_server, world):
    report = services.report_get_or_create(
        sub_agreement=world.sub_a, month=world.month, scope=user_scope(world.officer_a)
    )
    assert_accessible(page, f"{live_server.url}/accounts/login/")
    login(page, live_server, world.officer_a.username)
    for url in (
        "/",
        reverse("activities:month_list", args=[world.sub_a.pk]),
        reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
    ):
        assert_accessible(page, live_server.url + url)
    page.context.clear_cookies()
    login(page, live_server, world.staff.username)
    for url in (
        "/",
        reverse("activities:review_inbox"),
        reverse("activities:report_detail", args=[report.pk]),
    ):
        assert_accessible(page, live_server.url + url)


def test_plan_pages_are_accessible_and_fit_a_phone(page, live_server, world):
    """The archive, the next-plan form and a page of a closed plan with the plan switcher, on
    the phone-sized screen of the ``page`` fixture (no sideways scrolling)."""
    import datetime as dt

    from agreements.models import Agreement
    from tests import factories as f

    Agreement.objects.filter(pk=world.plan.pk).update(
        status=Agreement.Status.CLOSED, closed_on=dt.date(2025, 8, 15)
    )
    f.PlanFactory(
        code="KH-MOI",
        title="Kế hoạch phối hợp giai đoạn tiếp theo",
        org_unit=world.province,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2030, 12, 31),
        status=Agreement.Status.DRAFT,
    )
    login(page, live_server, world.staff.username)
    for url in (
        reverse("plan_list"),
        reverse("plan_next", args=[world.plan.pk]),
        reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
        "/",
    ):
        assert_accessible(page, live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width}px wide on a 390px screen"
