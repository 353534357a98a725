"""The whole reporting loop in a real browser, on a phone-sized screen, in Vietnamese."""

import re

import pytest
from playwright.sync_api import expect

from activities.models import ActivityValue, MonthlyReport
from tests.conftest import login, open_menu

pytestmark = pytest.mark.browser


def fill_month(page, world, patrol):
    page.fill(f"input[name=v_{world.patrol.pk}]", patrol)
    page.fill(f"input[name=v_{world.mediation.pk}]", "3")
    page.fill(f"input[name=v_{world.vneid.pk}]", "12.500")
    page.fill(f"input[name=n_{world.online.pk}]", "45")
    page.fill(f"input[name=d_{world.online.pk}]", "100")


def as_user(browser, live_server, username):
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, username)
    return context, page


def test_officer_submits_staff_returns_officer_fixes_staff_approves(browser, live_server, world):
    # The district officer enters March 2024 and submits it.
    officer_ctx, officer = as_user(browser, live_server, world.officer_a.username)
    officer.get_by_role("link", name="Tất cả các tháng").click()
    officer.get_by_role("link", name=re.compile(r"Mở\s+03.2024")).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Số liệu tháng 03/2024")
    fill_month(officer, world, patrol="40")
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()
    # The page fits a phone: nothing wider than the viewport.
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390

    # Provincial staff finds it in the inbox and returns it with a reason.
    staff_ctx, staff = as_user(browser, live_server, world.staff.username)
    open_menu(staff)
    staff.get_by_role("navigation").get_by_role("link", name="Duyệt báo cáo").click()
    staff.get_by_role("link", name=re.compile("Huyện Anh Sơn 03.2024")).click()
    staff.get_by_label("Lý do trả lại").fill("Số ca tuần tra chưa khớp với sổ theo dõi.")
    staff.get_by_role("button", name="Trả lại đơn vị").click()
    # A decision asks once more before it is made.
    staff.get_by_role("button", name="Xác nhận trả lại").click()
    expect(staff.get_by_text("Đã trả lại Huyện Anh Sơn")).to_be_visible()

    # The officer sees why, corrects the figure and submits again.
    officer.reload()
    expect(officer.get_by_text("Số ca tuần tra chưa khớp với sổ theo dõi.").first).to_be_visible()
    officer.fill(f"input[name=v_{world.patrol.pk}]", "38")
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()

    # Staff approves.
    staff.goto(f"{live_server.url}/review/")
    staff.get_by_role("link", name=re.compile("Huyện Anh Sơn 03.2024")).click()
    staff.get_by_role("button", name="Duyệt", exact=True).click()
    staff.get_by_role("button", name="Xác nhận duyệt").click()
    expect(staff.get_by_text("Đã duyệt: Huyện Anh Sơn")).to_be_visible()

    # The month is locked for the district.
    officer.reload()
    expect(officer.locator(".status").first).to_have_text("Đã duyệt")
    assert officer.locator(f"input[name=v_{world.patrol.pk}]").count() == 0
    assert officer.get_by_role("button", name="Gửi báo cáo").count() == 0

    report = MonthlyReport.objects.get(sub_agreement=world.sub_a)
    assert report.status == "approved"
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 38
    assert ActivityValue.objects.get(report=report, indicator=world.vneid).value == 12500
    officer_ctx.close()
    staff_ctx.close()
