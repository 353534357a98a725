"""The returned-month loop through notifications, in a real browser on a phone-sized screen:
staff return a month (confirming it), the officer sees the bell's count, opens the
notification, fixes the figure and submits again."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from activities import services
from activities.events import ReportEvent
from activities.models import MonthlyReport
from agreements.selectors import user_scope
from notifications.services import report_event_notify
from tests import factories as f
from tests.conftest import login
from tests.test_accessibility import AXE_OPTIONS, assert_accessible
from tests.test_journey_monthly_loop import as_user, fill_month

pytestmark = pytest.mark.browser


def test_officer_is_told_of_a_return_opens_it_fixes_and_resubmits(browser, live_server, world):
    officer_ctx, officer = as_user(browser, live_server, world.officer_a.username)
    officer.goto(f"{live_server.url}/units/{world.sub_a.pk}/2024-03/")
    fill_month(officer, world, patrol="40")
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()

    staff_ctx, staff = as_user(browser, live_server, world.staff.username)
    staff.goto(f"{live_server.url}/review/")
    staff.get_by_role("link", name=re.compile("Huyện Anh Sơn 03.2024")).click()
    staff.get_by_label("Lý do trả lại").fill("Số ca tuần tra chưa khớp với sổ theo dõi.")
    staff.get_by_role("button", name="Trả lại đơn vị").click()
    expect(staff.get_by_text("Trả lại báo cáo tháng 03/2024 cho Huyện Anh Sơn")).to_be_visible()
    staff.get_by_role("button", name="Xác nhận trả lại").click()
    expect(staff.get_by_text("Đã trả lại Huyện Anh Sơn")).to_be_visible()

    officer.goto(f"{live_server.url}/")
    bell = officer.get_by_role("link", name=re.compile("Thông báo 1 chưa đọc"))
    expect(bell).to_be_visible()
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    bell.click()
    officer.get_by_role("link", name=re.compile("bị trả lại để sửa")).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Số liệu tháng 03/2024")
    expect(officer.get_by_text("Số ca tuần tra chưa khớp với sổ theo dõi.").first).to_be_visible()
    expect(officer.get_by_role("link", name=re.compile("Thông báo 1 chưa đọc"))).to_have_count(0)
    officer.fill(f"input[name=v_{world.patrol.pk}]", "38")
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()
    assert MonthlyReport.objects.get().status == "submitted"
    officer_ctx.close()
    staff_ctx.close()


def test_notification_pages_inbox_and_confirmation_are_accessible(page, live_server, world):
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status="submitted"
    )
    f.ActivityValueFactory(report=report, indicator=world.patrol, value=3)
    services.report_return(
        report=report, user=world.staff, scope=user_scope(world.staff), version=1, reason="Thiếu"
    )

    # The listener, called directly: this test's data is set up outside a request.
    report_event_notify(
        ReportEvent("returned", world.sub_a.pk, "2024-03-01", world.staff.pk, report.pk, 2, "Thiếu")
    )
    login(page, live_server, world.officer_a.username)
    for url in ("/notifications/", "/notifications/preferences/"):
        assert_accessible(page, live_server.url + url)
    page.context.clear_cookies()
    login(page, live_server, world.staff.username)
    assert_accessible(page, f"{live_server.url}/review/?status=returned")
    MonthlyReport.objects.filter(pk=report.pk).update(status="submitted")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_role("button", name="Xác nhận duyệt")).to_be_visible()
    results = Axe().run(page, options=AXE_OPTIONS)
    assert not results.response["violations"], results.generate_report()
