import datetime as dt
import io
import os
import shutil
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Indicator, Membership, OrgUnit
from tests import factories as f
from tests.housing_helpers import housing  # noqa: F401  (the housing register's fixture)

CHROMIUM = "/usr/bin/chromium"

# --- The clock ------------------------------------------------------------------------------
# Which months can be entered, which are late, what a dashboard counts "to date": all of it
# depends on today. So every test runs on a fixed day instead of the machine's clock, and the
# suite passes on any date (.ci/run also runs it under faketime, years from now).
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Inside the `world` plan (06/2023–06/2025) and after every month the tests report on (the
# latest is 12/2024): 01/2025 is the current month, 02/2025–06/2025 are still to come.
TODAY = dt.datetime(2025, 1, 15, 10, 0, tzinfo=VIETNAM)
# For tests about a finished plan: every month up to 06/2025 is over and past its deadline.
AFTER_PLAN = dt.datetime(2025, 8, 15, 10, 0, tzinfo=VIETNAM)


@pytest.fixture(autouse=True)
def _pinned_today():
    # time-machine patches the clock of this Python process only, and keeps it ticking from
    # TODAY (tick=True), so elapsed-time code (session expiry, import batch lifetime, stale
    # PDF jobs) still sees time pass. The live server of browser tests runs in a thread of
    # this process, so it is pinned too; Chromium keeps the real clock, which only sees cookie
    # lifetimes — Max-Age, relative to its own clock — and session cookies without expiry.
    # A test that needs another day nests its own @time_machine.travel(...), which wins.
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    settings.LANGUAGE_CODE = "vi"
    # Password hashing at full strength makes each login take a fraction of a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """A small plan: one province, two districts (A and B) with sub-agreements running
    06/2023–06/2025, three tasks, four indicators (two flows, a stock, a ratio), and one user
    per role."""
    province = f.OrgUnitFactory(code="P", name="Tỉnh Thử", kind=OrgUnit.Kind.PROVINCE)
    plan = f.PlanFactory(org_unit=province)
    tasks = [f.TaskFactory(agreement=plan, order=n, name=f"Nhiệm vụ {n}") for n in (1, 2, 3)]
    patrol = f.IndicatorFactory(
        task=tasks[0], code="TUAN_TRA", name="Ca tuần tra ban đêm", unit="ca", order=1
    )
    mediation = f.IndicatorFactory(
        task=tasks[1], code="HOA_GIAI", unit="vụ", order=2, name="Vụ mâu thuẫn hòa giải thành công"
    )
    vneid = f.IndicatorFactory(
        task=tasks[2],
        code="VNEID",
        unit="tài khoản",
        order=3,
        name="Tài khoản VNeID",
        aggregation=Indicator.Aggregation.LATEST,
    )
    online = f.IndicatorFactory(
        task=tasks[2],
        code="DVC_TT",
        unit="%",
        order=4,
        name="Tỷ lệ hồ sơ trực tuyến",
        aggregation=Indicator.Aggregation.RATIO,
        numerator_label="Hồ sơ trực tuyến",
        denominator_label="Tổng số hồ sơ",
    )
    unit_a = f.OrgUnitFactory(code="A", name="Huyện Anh Sơn", parent=province)
    unit_b = f.OrgUnitFactory(code="B", name="Huyện Bình Thử", parent=province)
    sub_a = f.SubAgreementFactory(parent=plan, org_unit=unit_a)
    sub_b = f.SubAgreementFactory(parent=plan, org_unit=unit_b)

    def member(username, role, unit):
        user = f.UserFactory(username=username)
        f.MembershipFactory(user=user, org_unit=unit, role=role)
        return user

    Role = Membership.Role
    return SimpleNamespace(
        province=province,
        plan=plan,
        tasks=tasks,
        indicators=[patrol, mediation, vneid, online],
        patrol=patrol,
        mediation=mediation,
        vneid=vneid,
        online=online,
        unit_a=unit_a,
        unit_b=unit_b,
        sub_a=sub_a,
        sub_b=sub_b,
        officer_a=member("doan.a", Role.DISTRICT_OFFICER, unit_a),
        officer_b=member("doan.b", Role.DISTRICT_OFFICER, unit_b),
        viewer_a=member("congan.a", Role.DISTRICT_VIEWER, unit_a),
        staff=member("tinhdoan", Role.PROVINCIAL_STAFF, province),
        leader=member("lanhdao", Role.LEADERSHIP, province),
        admin=member("quantri", Role.ADMIN, province),
        month=dt.date(2024, 3, 1),
    )


@pytest.fixture
def real_plan(db):
    call_command("load_plan", stdout=io.StringIO())


# --- Browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    # A missing browser is a failure, never a skip: CI must not go green without the journeys.
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is required at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, live_server, username, password=f.PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/")


def open_menu(page):
    """On a phone-sized screen the main menu is a closed disclosure («Danh mục»): open it
    before following a menu link. Nothing to do on a wide screen."""
    summary = page.locator("details.menu-phone > summary")
    if summary.is_visible() and not page.locator("details.menu-phone[open]").count():
        summary.click()
