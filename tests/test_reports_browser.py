"""Journey: leadership finds where the plan is behind and drills down to the month."""

import datetime as dt
import re

import pytest

from tests.conftest import login, open_menu
from tests.reports_data import APPROVED, month_report, target

D = dt.date


@pytest.mark.browser
def test_leadership_filters_to_a_quarter_and_a_task_and_drills_into_a_behind_district(
    world, live_server, page
):
    w = world
    target(w.plan, w.patrol, 250)
    target(w.sub_a, w.patrol, 125)
    target(w.sub_b, w.patrol, 125)
    for month in (D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)):
        # Each district is expected to do 125 / 25 = 5 a month: A does 10, B only 1.
        month_report(w.sub_a, month, APPROVED, values={w.patrol: 10, w.mediation: 2})
        month_report(w.sub_b, month, APPROVED, values={w.patrol: 1, w.mediation: 2})
    csp_errors = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    login(page, live_server, "lanhdao")
    open_menu(page)
    page.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Tiến độ").click()
    page.wait_for_url(re.compile(r"/progress/$"))
    assert page.get_by_role("heading", name="Tiến độ thực hiện kế hoạch").is_visible()

    page.get_by_label("Kỳ báo cáo").select_option(label="Quý 1/2024")
    page.get_by_label("Nhiệm vụ", exact=True).select_option(value="1")
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url(re.compile(r"period=2024-Q1&task=1"))
    assert "Quý 1/2024: 01/01/2024 – 31/03/2024" in page.content()

    # Phone width (390 px): tables scroll inside their box, the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    districts = page.locator("table.comparison")
    behind_row = districts.locator("tbody tr", has_text="Chậm tiến độ")
    assert behind_row.count() == 1
    assert "Huyện Bình Thử" in behind_row.inner_text()
    # The chart is an image with a text alternative, next to the table.
    assert page.get_by_role("img", name=re.compile("Nhiệm vụ 1")).count() == 1

    behind_row.get_by_role("link", name="Huyện Bình Thử").click()
    page.wait_for_url(re.compile(rf"/progress/district/{w.sub_b.pk}/\?period=2024-Q1&task=1$"))
    assert page.get_by_role("heading", name="Tiến độ — Huyện Bình Thử").is_visible()
    assert page.get_by_label("Kỳ báo cáo").input_value() == "2024-Q1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row = page.locator("table.progress-table tbody tr", has_text="Ca tuần tra ban đêm")
    assert "Chậm tiến độ" in row.inner_text()

    # From the district to one of its months, and on to the report itself.
    months = page.locator("table.months")
    assert "Đúng hạn" in months.locator("tr", has_text="01/2024").inner_text()
    months.get_by_role("link", name="Mở báo cáo 01/2024").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    assert "Huyện Bình Thử" in page.content()
    assert csp_errors == []


@pytest.mark.browser
def test_dashboards_pass_axe_accessibility_rules(world, live_server, page):
    from tests.test_accessibility import assert_accessible

    w = world
    target(w.plan, w.patrol, 250)
    target(w.sub_a, w.patrol, 125)
    month_report(w.sub_a, D(2024, 1, 1), APPROVED, values={w.patrol: 10, w.vneid: 100})
    login(page, live_server, "lanhdao")
    for url in (
        "/progress/",
        "/progress/?period=2024-Q1&task=1&provisional=1&sort=-status",
        f"/progress/district/{w.sub_a.pk}/?period=2024",
        "/progress/indicator/VNEID/",
        "/progress/units/?sort=-status",
        "/progress/grid/?period=2024",
    ):
        assert_accessible(page, live_server.url + url)
    page.context.clear_cookies()
    login(page, live_server, w.officer_a.username)
    assert_accessible(page, f"{live_server.url}/progress/district/{w.sub_a.pk}/")
