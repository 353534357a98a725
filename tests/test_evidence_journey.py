"""Issue 13 end to end, in a real browser: an officer logs a talk and a house handover with a
photo, opens the month and sees both counted ("từ 1 hoạt động", "từ 1 căn nhà"), takes the
suggestions and submits; leadership sees the house on the province view without the
household's name."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activities.models import ActivityValue, MonthlyReport
from housing.models import House, HousePhoto
from tests import factories as f
from tests.conftest import open_menu
from tests.housing_helpers import HEAD_NAME, ID_NUMBER
from tests.records_helpers import seed_record_types
from tests.test_journey_monthly_loop import as_user
from tests.test_uploads import jpeg_with_gps

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def talks(housing):
    return f.IndicatorFactory(
        task=housing.tasks[1],
        code="NOI_CHUYEN",
        name="Buổi nói chuyện, họp dân tuyên truyền pháp luật",
        unit="buổi",
        order=6,
    )


def test_officer_runs_the_month_from_a_talk_and_a_house_and_leadership_sees_no_names(
    browser, live_server, housing, talks, tmp_path
):
    world = housing
    seed_record_types()
    talk_photo = tmp_path / "noi-chuyen.jpg"
    talk_photo.write_bytes(jpeg_with_gps((1024, 768)))
    house_photo = tmp_path / "nha-ban-giao.jpg"
    house_photo.write_bytes(jpeg_with_gps((1024, 768)))
    month_list = reverse("activities:month_list", args=[world.sub_a.pk])

    officer_ctx, officer = as_user(browser, live_server, world.officer_a.username)
    # The talk, with a photo.
    officer.goto(f"{live_server.url}{month_list}")
    officer.get_by_role("link", name="Nhật ký hoạt động").click()
    officer.get_by_role("link", name="Ghi nhận hoạt động").click()
    officer.get_by_label("Loại hoạt động").select_option(label="Buổi nói chuyện, họp dân")
    officer.get_by_label("Ngày hoạt động").fill("2024-03-12")
    officer.get_by_label("Xã / địa điểm").fill("Bản Huồi Tụ, xã Huồi Tụ")
    officer.get_by_label("Số người tham gia").fill("85")
    officer.get_by_label("Mô tả ngắn").fill("Nói chuyện phòng, chống ma túy cho bà con")
    officer.get_by_label("Ảnh và biên bản (JPEG, PNG, PDF)").set_input_files(str(talk_photo))
    officer.get_by_role("button", name="Lưu").click()
    expect(officer.get_by_text("Đã ghi nhận hoạt động.")).to_be_visible()

    # The house, from planned to handed over in March 2024, with a photo and its household.
    officer.goto(f"{live_server.url}{month_list}")
    officer.get_by_role("link", name="Sổ theo dõi nhà ở").click()
    officer.get_by_role("link", name="Thêm nhà").click()
    officer.get_by_label(re.compile("^Xã/phường")).fill("Xã Tường Sơn")
    officer.get_by_label("Thôn, bản").fill("Bản Huồi Tụ")
    officer.get_by_label(re.compile("^Nguồn kinh phí")).select_option("ministry")
    officer.get_by_label("Số tiền (đồng)").fill("60000000")
    officer.get_by_label("Dự kiến hoàn thành").fill("2024-03-31")
    officer.get_by_label("Chủ hộ").fill(HEAD_NAME)
    officer.get_by_label("Số CCCD (12 chữ số)").fill(ID_NUMBER)
    officer.get_by_role("button", name="Lưu").click()
    expect(officer.get_by_text("Đã thêm nhà vào sổ theo dõi.")).to_be_visible()
    for label, day in (
        ("Ghi nhận: Đang xây dựng", "2024-01-15"),
        ("Ghi nhận: Đã hoàn thành", "2024-03-08"),
        ("Ghi nhận: Đã bàn giao", "2024-03-20"),
    ):
        officer.get_by_label("Ngày thực hiện").fill(day)
        officer.get_by_role("button", name=label).click()
        expect(officer.get_by_text("Đã chuyển trạng thái nhà.")).to_be_visible()
    officer.get_by_label(re.compile("^Ảnh \\(JPEG")).set_input_files(str(house_photo))
    officer.get_by_role("button", name="Tải ảnh lên").click()
    expect(officer.get_by_text("Đã thêm ảnh.")).to_be_visible()
    expect(officer.get_by_role("img", name=re.compile("Ảnh nhà"))).to_be_visible()
    assert officer.evaluate("document.querySelector('ul.photos img').naturalWidth") > 0

    # The month counts both: the talk toward its indicator, the house toward NHA.
    officer.goto(f"{live_server.url}{month_list}")
    officer.get_by_role("link", name=re.compile(r"Mở\s+03.2024")).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Số liệu tháng 03/2024")
    expect(officer.locator(f"#sugg-{talks.pk}")).to_contain_text("từ 1 hoạt động")
    expect(officer.locator(f"#sugg-{world.nha.pk}")).to_contain_text("từ 1 căn nhà")
    expect(officer.locator(f"input[name=v_{world.nha.pk}]")).to_have_attribute("placeholder", "1")
    officer.fill(f"input[name=v_{world.patrol.pk}]", "6")
    officer.fill(f"input[name=v_{world.mediation.pk}]", "0")
    officer.fill(f"input[name=v_{world.vneid.pk}]", "12.500")
    officer.fill(f"input[name=n_{world.online.pk}]", "45")
    officer.fill(f"input[name=d_{world.online.pk}]", "100")
    officer.get_by_role("button", name="Dùng số gợi ý").click()
    expect(officer.get_by_text("Đã điền số gợi ý vào các ô còn trống và lưu nháp.")).to_be_visible()
    expect(officer.locator(f"input[name=v_{talks.pk}]")).to_have_value("1")
    expect(officer.locator(f"input[name=v_{world.nha.pk}]")).to_have_value("1")
    officer.get_by_role("button", name="Gửi báo cáo").click()
    expect(officer.get_by_text("Đã gửi báo cáo tháng để tỉnh duyệt.")).to_be_visible()
    officer_ctx.close()

    report = MonthlyReport.objects.get(sub_agreement=world.sub_a)
    assert report.status == MonthlyReport.Status.SUBMITTED
    assert ActivityValue.objects.get(report=report, indicator=talks).value == 1
    assert ActivityValue.objects.get(report=report, indicator=world.nha).value == 1
    house = House.objects.get()
    assert house.status == House.Status.HANDED_OVER
    assert HousePhoto.objects.get(house=house).thumbnail

    # Leadership: the house on the province view, the household nowhere on the page.
    leader_ctx, leader = as_user(browser, live_server, world.leader.username)
    open_menu(leader)
    leader.get_by_role("navigation").get_by_role("link", name="Nhà ở").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(
        "Nhà cho hộ nghèo, hộ khó khăn về nhà ở"
    )
    expect(leader.get_by_text("1.801 / 2.820")).to_be_visible()
    expect(leader.get_by_role("link", name="Bản Huồi Tụ, Xã Tường Sơn").first).to_be_visible()
    content = leader.content()
    assert HEAD_NAME not in content and ID_NUMBER not in content
    leader_ctx.close()
