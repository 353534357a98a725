"""An officer runs a month from the activity log, in a real browser on a phone-sized screen:
logs a talk with a photo, opens the month, sees it counted, takes the suggestion, submits;
provincial staff see the talk behind the month on the review page."""

import re

import pytest
from playwright.sync_api import expect

from activities.models import ActivityValue, MonthlyReport
from records.models import ActivityRecord
from tests import factories as f
from tests.conftest import login
from tests.records_helpers import seed_record_types
from tests.test_uploads import jpeg_with_gps

pytestmark = pytest.mark.browser


@pytest.fixture
def talks(world):
    return f.IndicatorFactory(
        task=world.tasks[1],
        code="NOI_CHUYEN",
        name="Buổi nói chuyện, họp dân tuyên truyền pháp luật",
        unit="buổi",
        order=5,
    )


def test_officer_logs_a_talk_and_submits_the_month_from_it(
    world, talks, live_server, page, browser, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_record_types()
    photo = tmp_path / "noi-chuyen-huoi-tu.jpg"
    photo.write_bytes(jpeg_with_gps((1024, 768)))

    login(page, live_server, world.officer_a.username)
    page.goto(f"{live_server.url}/units/{world.sub_a.pk}/")
    page.get_by_role("link", name="Nhật ký hoạt động").click()
    page.get_by_role("link", name="Ghi nhận hoạt động").click()
    page.get_by_label("Loại hoạt động").select_option(label="Buổi nói chuyện, họp dân")
    page.get_by_label("Ngày hoạt động").fill("2024-03-12")
    page.get_by_label("Xã / địa điểm").fill("Bản Huồi Tụ, xã Huồi Tụ")
    page.get_by_label("Số người tham gia").fill("85")
    page.get_by_label("Mô tả ngắn").fill("Nói chuyện phòng, chống ma túy cho bà con trong bản")
    page.get_by_label("Ảnh và biên bản (JPEG, PNG, PDF)").set_input_files(str(photo))
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã ghi nhận hoạt động.")).to_be_visible()
    # The thumbnail, made by the task once the upload committed, is served to the officer.
    thumbnail = page.get_by_role("img", name="Ảnh noi-chuyen-huoi-tu.jpg")
    expect(thumbnail).to_be_visible()
    assert page.evaluate("document.querySelector('ul.attachments img').naturalWidth") == 320

    # The month shows the talk counted and suggests the figure.
    page.get_by_role("link", name="03/2024").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Số liệu tháng 03/2024")
    suggestion = page.locator(f"#sugg-{talks.pk}")
    expect(suggestion).to_contain_text("từ 1 hoạt động")
    expect(page.locator(f"input[name=v_{talks.pk}]")).to_have_attribute("placeholder", "1")
    page.fill(f"input[name=v_{world.patrol.pk}]", "6")
    page.fill(f"input[name=v_{world.mediation.pk}]", "0")
    page.fill(f"input[name=v_{world.vneid.pk}]", "12.500")
    page.fill(f"input[name=n_{world.online.pk}]", "45")
    page.fill(f"input[name=d_{world.online.pk}]", "100")
    page.get_by_role("button", name="Dùng số gợi ý").click()
    expect(page.get_by_text("Đã điền số gợi ý vào các ô còn trống và lưu nháp.")).to_be_visible()
    expect(page.locator(f"input[name=v_{talks.pk}]")).to_have_value("1")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    report = MonthlyReport.objects.get(sub_agreement=world.sub_a)
    assert report.status == MonthlyReport.Status.SUBMITTED
    assert ActivityValue.objects.get(report=report, indicator=talks).value == 1
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 6
    record = ActivityRecord.objects.get()
    stored = (settings.MEDIA_ROOT / record.attachments.get().file.name).read_bytes()
    assert b"Exif" not in stored

    # Provincial staff review the month and see the talk behind it.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    staff = context.new_page()
    staff.set_default_timeout(15000)
    login(staff, live_server, world.staff.username)
    staff.goto(f"{live_server.url}/review/")
    staff.get_by_role("link", name=re.compile("Huyện Anh Sơn 03.2024")).click()
    section = staff.locator("section.evidence")
    expect(section).to_contain_text("Đã ghi nhận 1 hoạt động.")
    expect(section).to_contain_text("Bản Huồi Tụ, xã Huồi Tụ")
    expect(section.get_by_role("img", name="Ảnh noi-chuyen-huoi-tu.jpg")).to_be_visible()
    context.close()


def test_record_pages_are_accessible_and_fit_a_phone(
    world, talks, live_server, page, settings, tmp_path
):
    from django.urls import reverse

    from tests.records_helpers import add_record, photo
    from tests.test_accessibility import assert_accessible

    settings.MEDIA_ROOT = tmp_path / "media"
    record = add_record(world.officer_a, world.sub_a, files=[photo()])
    login(page, live_server, world.officer_a.username)
    for url in (
        reverse("records:record_list") + f"?unit={world.sub_a.pk}",
        reverse("records:record_create", args=[world.sub_a.pk]),
        reverse("records:record_detail", args=[record.pk]),
        reverse("records:record_edit", args=[record.pk]),
        reverse("records:coverage"),
        reverse("activities:month_entry", args=[world.sub_a.pk, "2024-03"]),
    ):
        assert_accessible(page, live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width}px wide on a 390px screen"
