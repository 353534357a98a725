"""Plan deadlines: grace period, late entry by staff grant, the reopen window, and a locked
entry form that always says why."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services
from activities.models import LateEntryGrant, MonthlyReport
from agreements.selectors import user_scope
from audit.models import AuditEvent
from core import calendar
from tests import factories as f
from tests.conftest import VIETNAM


def entry_url(world, month="2024-03"):
    return reverse("activities:month_entry", args=[world.sub_a.pk, month])


def plan_settings(world, **fields):
    for name, value in fields.items():
        setattr(world.plan, name, value)
    world.plan.save()
    world.sub_a.refresh_from_db()


def test_calendar_reads_the_plans_deadline_settings(world):
    plan_settings(world, grace_days=4, reminder_days_before=3, reopen_window_days=10)
    march = dt.date(2024, 3, 1)
    assert calendar.deadline(world.sub_a, march) == dt.date(2024, 4, 5)
    assert calendar.entry_closes(world.sub_a, march) == dt.date(2024, 4, 9)
    assert calendar.reminder_day(world.sub_a, march) == dt.date(2024, 4, 2)
    assert calendar.missed_notice_day(world.sub_a, march) == dt.date(2024, 4, 6)
    assert calendar.reopen_window_ends(world.sub_a, dt.date(2024, 4, 20)) == dt.date(2024, 4, 30)
    assert not calendar.needs_late_grant(world.sub_a, march, on=dt.date(2024, 4, 20))
    plan_settings(world, late_entry_needs_approval=True)
    assert not calendar.needs_late_grant(world.sub_a, march, on=dt.date(2024, 4, 9))
    assert calendar.needs_late_grant(world.sub_a, march, on=dt.date(2024, 4, 10))


def test_late_entry_waits_for_staffs_grant_then_opens(client, world):
    plan_settings(world, late_entry_needs_approval=True, grace_days=2)
    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert "Đã quá hạn nộp (05/04/2024) và thời gian gia hạn (đến 07/04/2024)" in page
    assert 'name="action"' not in page
    response = client.post(entry_url(world), {"version": 0, "action": "save"})
    assert response.status_code == 403
    with pytest.raises(ValidationError, match="cho phép"):
        services.report_save_draft(
            sub_agreement=world.sub_a,
            month=world.month,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            version=0,
            values={world.patrol.pk: services.ValueInput(value=1)},
        )

    client.force_login(world.staff)
    staff_page = client.get(entry_url(world)).content.decode()
    assert "Cho phép nhập muộn" in staff_page
    client.post(
        reverse("activities:late_entry_grant", args=[world.sub_a.pk, "2024-03"]),
        {"grant": "1", "reason": "Đơn vị mất điện"},
    )
    grant = LateEntryGrant.objects.get()
    assert grant.granted_by == world.staff and grant.month == world.month
    assert AuditEvent.objects.filter(action="late_grant").count() == 1

    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert 'name="action"' in page and "Không thể sửa tháng này" not in page


def test_without_the_rule_late_months_stay_open(client, world):
    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert 'name="action"' in page


def test_approved_month_says_when_and_by_whom(client, world):
    world.staff.first_name, world.staff.last_name = "Trần", "Thị Duyệt"
    world.staff.save()
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status="submitted"
    )
    with time_machine.travel(dt.datetime(2024, 4, 8, 9, 0, tzinfo=VIETNAM)):
        services.report_approve(
            report=report, user=world.staff, scope=user_scope(world.staff), version=1
        )
    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert "Đã duyệt ngày 08/04/2024 bởi Trần Thị Duyệt" in page


def test_month_of_an_ended_unit_says_when_it_ended(client, world):
    world.unit_a.valid_to = dt.date(2024, 2, 29)
    world.unit_a.save()
    f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month)
    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert "Huyện Anh Sơn đã kết thúc hoạt động ngày 29/02/2024" in page
    assert 'name="action"' not in page


def test_closed_plan_takes_no_figures(client, world):
    plan_settings(world, status="closed")
    client.force_login(world.officer_a)
    page = client.get(entry_url(world)).content.decode()
    assert "Kế hoạch đã kết thúc" in page and 'name="action"' not in page


def test_month_outside_the_agreement_with_figures_says_so(client, world):
    f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2023, 5, 1))
    client.force_login(world.officer_a)
    page = client.get(entry_url(world, "2023-05")).content.decode()
    assert "nằm ngoài thời hạn của quy chế phối hợp (01/06/2023 – 30/06/2025)" in page


def test_staff_reopen_within_the_window_only_admins_after(world):
    plan_settings(world, reopen_window_days=30)
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status="submitted"
    )
    with time_machine.travel(dt.datetime(2024, 4, 8, 9, 0, tzinfo=VIETNAM)):
        services.report_approve(
            report=report, user=world.staff, scope=user_scope(world.staff), version=1
        )
    with pytest.raises(ValidationError, match="08/05/2024"):
        services.report_reopen(
            report=report, user=world.staff, scope=user_scope(world.staff), version=2, reason="x"
        )
    services.report_reopen(
        report=report, user=world.admin, scope=user_scope(world.admin), version=2, reason="Sửa"
    )
    assert MonthlyReport.objects.get().status == "returned"


@time_machine.travel(dt.datetime(2024, 4, 20, 9, 0, tzinfo=VIETNAM))
def test_staff_reopen_inside_the_window(world):
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status="submitted"
    )
    services.report_approve(
        report=report, user=world.staff, scope=user_scope(world.staff), version=1
    )
    services.report_reopen(
        report=report, user=world.staff, scope=user_scope(world.staff), version=2, reason="Sửa"
    )
    assert MonthlyReport.objects.get().status == "returned"
