"""The 2025 reform end to end, in a real browser on a phone-sized screen: provincial staff
record it from a mapping file (district A splits into two communes from 01/07/2025), an
officer of one commune submits 08/2025, staff approve it, and the final review prints the
commune's figure on its former district's line. The pages pass axe-core."""

import datetime as dt
import re

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import Agency, Agreement, AgreementParty, Membership
from agreements.selectors import user_scope
from core.calendar import period_parse
from reports.pdf import render_document
from reports.pdf_data import Kind, document_figures
from reports.services_pdf import document_defaults, document_meta
from tests import factories as f
from tests.conftest import VIETNAM, login
from tests.test_accessibility import AXE_OPTIONS
from tests.test_journey_monthly_loop import as_user, fill_month
from tests.test_pdf import month_report, pdf_text

pytestmark = pytest.mark.browser

AUGUST = dt.datetime(2025, 8, 20, 10, 0, tzinfo=VIETNAM)
MAPPING = "old_code,new_code,new_name,kind\nA,A1,Xã Anh Một,xa\nA,A2,Phường Anh Hai,phuong\n"


def assert_accessible_here(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    assert not results.response["violations"], page.url + "\n" + results.generate_report()
    # It fits a phone: nothing wider than the viewport (tables scroll in their own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _plan_parties(world):
    for order, (code, name, kind) in enumerate(
        (
            ("CA_TINH", "Công an tỉnh Nghệ An", Agency.Kind.POLICE),
            ("TINH_DOAN", "Ban Chấp hành Tỉnh đoàn Nghệ An", Agency.Kind.YOUTH_UNION),
        ),
        start=1,
    ):
        agency = f.AgencyFactory(code=code, name=name, kind=kind, org_unit=world.province)
        AgreementParty.objects.create(
            agreement=world.plan, agency=agency, order=order, signatory_name="Người ký"
        )


@time_machine.travel(AUGUST, tick=True)
def test_staff_record_a_split_and_the_communes_month_reaches_the_final_review(
    browser, page, live_server, world
):
    _plan_parties(world)
    month_report(world.sub_a, dt.date(2024, 3, 1), {world.patrol: 11})
    month_report(world.sub_b, dt.date(2024, 3, 1), {world.patrol: 7})

    # Staff open the reform page from the home page and upload the mapping file.
    login(page, live_server, world.staff.username)
    page.get_by_role("link", name="Ghi nhận sắp xếp đơn vị (sáp nhập, chia tách)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ghi nhận sắp xếp đơn vị hành chính")
    assert_accessible_here(page)
    page.get_by_label("Ngày đầu tiên của các đơn vị mới").fill("2025-07-01")
    page.get_by_label("Căn cứ pháp lý").fill("NQ 1678/NQ-UBTVQH15")
    page.get_by_label("Tệp chuyển đổi đơn vị (.xlsx hoặc .csv)").set_input_files(
        files=[{"name": "chuyen-doi.csv", "mimeType": "text/csv", "buffer": MAPPING.encode()}]
    )
    page.get_by_role("button", name="Xem trước").click()

    # The preview lists what will be created and ended; nothing is written yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước cải cách")
    expect(page.get_by_role("rowheader", name="Đoàn xã Anh Một", exact=True)).to_be_visible()
    expect(page.get_by_role("rowheader", name="Huyện Anh Sơn", exact=True).first).to_be_visible()
    assert not Agreement.objects.filter(org_unit__code="A1").exists()
    assert_accessible_here(page)
    page.get_by_role("button", name="Áp dụng cải cách").click()
    expect(page.get_by_text("Đã ghi nhận cải cách: 2 đơn vị mới")).to_be_visible()
    commune = Agreement.objects.get(parent=world.plan, org_unit__code="A1")

    # An officer of the new commune (created here) submits August 2025.
    officer = f.UserFactory(username="doan.a1")
    f.MembershipFactory(
        user=officer, org_unit=commune.org_unit, role=Membership.Role.DISTRICT_OFFICER
    )
    officer_ctx, officer_page = as_user(browser, live_server, "doan.a1")
    officer_page.goto(
        live_server.url + reverse("activities:month_entry", args=[commune.pk, "2025-08"])
    )
    expect(officer_page.get_by_role("heading", level=1)).to_contain_text("08/2025")
    fill_month(officer_page, world, patrol="40")
    officer_page.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer_page.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()
    officer_ctx.close()

    # Staff approve it from the review inbox.
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name=re.compile("Xã Anh Một 08.2025")).click()
    page.get_by_role("button", name="Duyệt", exact=True).click()
    # The decision is confirmed once more before it is made.
    page.get_by_role("button", name="Xác nhận duyệt").click()
    expect(page.get_by_text("Đã duyệt: Xã Anh Một")).to_be_visible()

    # The final review: the commune's 40 patrols are on Anh Sơn's line, with A's own 11.
    figures = document_figures(
        kind=Kind.FINAL,
        plan=world.plan,
        period=period_parse("plan", plan=world.plan),
        scope=user_scope(world.staff),
    )
    meta = document_meta(figures=figures, options=document_defaults(figures=figures), is_draft=True)
    data = render_document(figures, meta)
    assert "Huyện Anh Sơn (gồm 2 xã, phường hình thành từ đơn vị)" in pdf_text(data)
    # The appendix (district × indicator): the line's patrols are A's 11 and the commune's 40.
    appendix = [
        line
        for line in pdf_text(data, layout=True).splitlines()
        if "Huyện Anh Sơn (gồm 2 xã, phường hình thành từ đơn vị)" in line and " 51 " in line
    ]
    assert appendix, "Anh Sơn's line in the appendix does not show 51 patrols"
    line = next(d for d in figures.districts if d.row.sub_agreement.org_unit.code == "A")
    patrols = next(c for c in line.all_cells if c.indicator.code == "TUAN_TRA")
    assert patrols.achieved == 11 + 40
    assert "Xã Anh Một" not in {d.name for d in figures.districts}
