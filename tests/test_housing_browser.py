"""The housing register in a real browser: an officer records a house handed over, with a
photo; leadership sees it on the province view without the household's name."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from housing.models import House, HousePhoto, PersonalDataAccess
from tests.conftest import open_menu
from tests.housing_helpers import HEAD_NAME, ID_NUMBER, jpeg_with_gps
from tests.test_journey_monthly_loop import as_user

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_officer_records_a_handover_with_a_photo_and_leadership_sees_it_without_names(
    browser, live_server, housing, tmp_path
):
    officer_ctx, officer = as_user(browser, live_server, housing.officer_a.username)
    officer.goto(f"{live_server.url}{reverse('activities:month_list', args=[housing.sub_a.pk])}")
    officer.get_by_role("link", name="Sổ theo dõi nhà ở").click()
    officer.get_by_role("link", name="Thêm nhà").click()
    officer.get_by_label(re.compile("^Xã/phường")).fill("Xã Tường Sơn")
    officer.get_by_label("Thôn, bản").fill("Bản Huồi Tụ")
    officer.get_by_label(re.compile("^Nguồn kinh phí")).select_option("province")
    officer.get_by_label("Số tiền (đồng)").fill("60000000")
    officer.get_by_label("Dự kiến hoàn thành").fill("2024-12-31")
    officer.get_by_label("Chủ hộ").fill(HEAD_NAME)
    officer.get_by_label("Số CCCD (12 chữ số)").fill(ID_NUMBER)
    officer.get_by_role("button", name="Lưu").click()
    expect(officer.get_by_text("Đã thêm nhà vào sổ theo dõi.")).to_be_visible()
    expect(officer.get_by_text(HEAD_NAME)).to_be_visible()

    for label, day in (
        ("Ghi nhận: Đang xây dựng", "2024-09-02"),
        ("Ghi nhận: Đã hoàn thành", "2024-12-20"),
        ("Ghi nhận: Đã bàn giao", "2025-01-10"),
    ):
        officer.get_by_label("Ngày thực hiện").fill(day)
        officer.get_by_role("button", name=label).click()
        expect(officer.get_by_text("Đã chuyển trạng thái nhà.")).to_be_visible()
    photo = tmp_path / "nha-ban-giao.jpg"
    photo.write_bytes(jpeg_with_gps())
    officer.get_by_label(re.compile("^Ảnh \\(JPEG")).set_input_files(str(photo))
    officer.get_by_role("button", name="Tải ảnh lên").click()
    expect(officer.get_by_text("Đã thêm ảnh.")).to_be_visible()
    thumbnail = officer.get_by_role("img", name=re.compile("Ảnh nhà"))
    expect(thumbnail).to_be_visible()
    assert officer.evaluate("document.querySelector('ul.photos img').naturalWidth") > 0
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    house = House.objects.get()
    assert (house.status, str(house.handed_over_on)) == ("handed_over", "2025-01-10")
    assert HousePhoto.objects.filter(house=house).count() == 1
    officer_ctx.close()

    views_before = PersonalDataAccess.objects.count()
    leader_ctx, leader = as_user(browser, live_server, housing.leader.username)
    open_menu(leader)
    leader.get_by_role("navigation").get_by_role("link", name="Nhà ở").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(
        "Nhà cho hộ nghèo, hộ khó khăn về nhà ở"
    )
    expect(leader.get_by_text("1.801 / 2.820")).to_be_visible()
    expect(leader.get_by_role("link", name="Bản Huồi Tụ, Xã Tường Sơn").first).to_be_visible()
    content = leader.content()
    assert HEAD_NAME not in content and ID_NUMBER not in content
    leader.get_by_role("link", name="Bản Huồi Tụ, Xã Tường Sơn").first.click()
    expect(leader.get_by_text("Đã bàn giao").first).to_be_visible()
    content = leader.content()
    assert HEAD_NAME not in content and ID_NUMBER not in content
    assert PersonalDataAccess.objects.count() == views_before  # nothing personal was read
    leader_ctx.close()


def test_housing_pages_are_accessible(page, live_server, housing):
    from tests.conftest import login
    from tests.housing_helpers import add_house
    from tests.test_accessibility import assert_accessible

    house = add_house(housing, planned_completion=dt.date(2024, 6, 30))
    login(page, live_server, housing.officer_a.username)
    for url in (
        reverse("housing:list", args=[housing.sub_a.pk]),
        reverse("housing:create", args=[housing.sub_a.pk]),
        reverse("housing:detail", args=[house.pk]),
        reverse("housing:import_upload", args=[housing.sub_a.pk]),
    ):
        assert_accessible(page, live_server.url + url)
    page.context.clear_cookies()
    login(page, live_server, housing.leader.username)
    assert_accessible(page, live_server.url + reverse("housing:province"))
