"""The month entry, review and home pages, through the test client, in Vietnamese."""

import datetime as dt

import pytest
from django.urls import reverse

from activities import services
from activities.models import ActivityValue, MonthlyReport
from agreements.models import Indicator
from agreements.selectors import user_scope
from audit.models import AuditEvent
from tests import factories as f


def entry_url(sub_agreement, month="2024-03"):
    return reverse("activities:month_entry", args=[sub_agreement.pk, month])


def form_data(world, version=0, action="save", patrol="12", **extra):
    data = {
        "version": version,
        "action": action,
        "narrative": "",
        f"v_{world.patrol.pk}": patrol,
        f"v_{world.mediation.pk}": "3",
        f"v_{world.vneid.pk}": "1.800",
        f"n_{world.online.pk}": "45",
        f"d_{world.online.pk}": "100",
    }
    data.update(extra)
    return data


def test_officer_enters_figures_with_vietnamese_thousands_separator(client, world):
    client.force_login(world.officer_a)
    response = client.post(entry_url(world.sub_a), form_data(world))
    assert response.status_code == 302
    report = MonthlyReport.objects.get(sub_agreement=world.sub_a, month=world.month)
    assert ActivityValue.objects.get(report=report, indicator=world.vneid).value == 1800
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert "Đã lưu bản nháp." in page
    assert 'value="1.800"' in page


def test_entry_page_shows_last_month_and_year_to_date(client, world):
    for month, patrol in ((1, 5), (2, 7)):
        report = MonthlyReport.objects.create(
            sub_agreement=world.sub_a, month=dt.date(2024, month, 1)
        )
        ActivityValue.objects.create(report=report, indicator=world.patrol, value=patrol)
    # December of the previous year is not part of this year's total.
    december = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=dt.date(2023, 12, 1))
    ActivityValue.objects.create(report=december, indicator=world.patrol, value=100)
    client.force_login(world.officer_a)
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert "Tháng trước: 7" in " ".join(page.split())
    assert "Lũy kế từ đầu năm: 12" in " ".join(page.split())


def test_invalid_numbers_are_explained_and_nothing_is_saved(client, world):
    client.force_login(world.officer_a)
    data = form_data(world, patrol="-4", **{f"n_{world.online.pk}": "120"})
    response = client.post(entry_url(world.sub_a), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tử số (120) không được lớn hơn mẫu số" in page
    assert "Số liệu không được âm." in page
    assert not MonthlyReport.objects.exists()


def test_submit_from_the_form_and_staff_sees_it_in_the_inbox(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world, action="submit"))
    report = MonthlyReport.objects.get()
    assert report.status == "submitted"
    client.force_login(world.staff)
    inbox = client.get(reverse("activities:review_inbox")).content.decode()
    assert "Huyện Anh Sơn" in inbox and "03/2024" in inbox


def test_staff_returns_with_reason_and_the_officer_sees_it(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world, action="submit"))
    report = MonthlyReport.objects.get()
    client.force_login(world.staff)
    url = reverse("activities:report_review", args=[report.pk])
    refused = client.post(
        url, {"action": "return", "version": report.version, "reason": ""}, follow=True
    )
    assert "Hãy ghi lý do" in refused.content.decode()
    client.post(
        url,
        {
            "action": "return",
            "version": report.version,
            "reason": "Thiếu hồ sơ trực tuyến",
            "confirmed": "1",
        },
    )
    report.refresh_from_db()
    assert report.status == "returned"
    client.force_login(world.officer_a)
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert "Thiếu hồ sơ trực tuyến" in page and "Bị trả lại" in page


def test_approved_month_shows_no_inputs_and_refuses_posts(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world, action="submit"))
    report = MonthlyReport.objects.get()
    services.report_approve(
        report=report, user=world.staff, scope=user_scope(world.staff), version=report.version
    )
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert 'name="action"' not in page and "Đã duyệt" in page
    response = client.post(entry_url(world.sub_a), form_data(world, version=4, patrol="99"))
    assert response.status_code == 403
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 12


def test_a_stale_form_is_refused_and_shows_the_other_change(client, world):
    """Two people open the month; the second save must not overwrite the first."""
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world, patrol="12"))  # creates, version 1
    report = MonthlyReport.objects.get()
    colleague = f.UserFactory(username="doan.a2", first_name="Lê", last_name="Thị Thu")
    f.MembershipFactory(user=colleague, org_unit=world.unit_a)
    client.force_login(colleague)
    client.post(entry_url(world.sub_a), form_data(world, version=1, patrol="20"))
    client.force_login(world.officer_a)
    response = client.post(entry_url(world.sub_a), form_data(world, version=1, patrol="15"))
    page = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "Người khác đã thay đổi tháng này" in page
    assert "doan.a2" in page or "Lê Thị Thu" in page
    assert "Ca tuần tra ban đêm: 12 → 20" in page
    assert 'value="15"' in page  # what the user typed is still in the form
    report.refresh_from_db()
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 20
    assert report.version == 2
    # Having seen the change, the user may save over it deliberately.
    client.post(entry_url(world.sub_a), form_data(world, version=2, patrol="15"))
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 15


def test_home_page_per_role(client, world):
    client.force_login(world.officer_a)
    page = client.get("/").content.decode()
    assert "Huyện Anh Sơn" in page and "Huyện Bình Thử" not in page
    client.force_login(world.staff)
    page = client.get("/").content.decode()
    assert "Chờ duyệt" in page and "Đơn vị chậm báo cáo" in page
    client.force_login(world.leader)
    page = client.get("/").content.decode()
    assert "Tiến độ kế hoạch" in page


def test_approved_figures_count_toward_the_plan(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world, action="submit", patrol="1234"))
    client.force_login(world.leader)
    assert "1.234" not in client.get("/").content.decode()
    report = MonthlyReport.objects.get()
    services.report_approve(
        report=report, user=world.staff, scope=user_scope(world.staff), version=report.version
    )
    assert "1.234" in client.get("/").content.decode()


def test_english_is_available(client, world):
    client.force_login(world.officer_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert "Save draft" in page and "Lưu nháp" not in page


@pytest.mark.parametrize("month", ["2099-01", "2023-04", "garbage"])
def test_months_outside_the_agreement_do_not_open(client, world, month):
    client.force_login(world.officer_a)
    response = client.get(entry_url(world.sub_a, month))
    assert response.status_code in (302, 404)
    assert not MonthlyReport.objects.exists()


def test_audit_event_records_the_reporting_user(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world.sub_a), form_data(world))
    assert AuditEvent.objects.get().actor == world.officer_a


def test_password_change_logs_out_other_sessions(client, world):
    from django.test import Client

    other = Client()
    other.force_login(world.officer_a)
    client.force_login(world.officer_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": f.PASSWORD,
            "new_password1": "Tuần-tra-đêm-2024!",
            "new_password2": "Tuần-tra-đêm-2024!",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_ratio_indicator_takes_numerator_and_denominator(client, world):
    assert world.online.aggregation == Indicator.Aggregation.RATIO
    client.force_login(world.officer_a)
    page = client.get(entry_url(world.sub_a)).content.decode()
    assert "Hồ sơ trực tuyến" in page and "Tổng số hồ sơ" in page


def test_vietnamese_even_when_the_browser_asks_for_english(client, world):
    client.force_login(world.officer_a)
    page = client.get(entry_url(world.sub_a), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Lưu nháp" in page.content.decode()
