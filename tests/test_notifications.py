"""Notifications: the right people are told once, in Vietnamese, with a working link; nobody
outside the unit's scope; each person's choice of delivery is honoured; reminders run twice
send nothing new."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from activities import services
from activities.models import MonthlyReport
from agreements.selectors import user_scope
from notifications import services as notify
from notifications.models import Kind, Notification
from tests import factories as f
from tests.conftest import VIETNAM

# 03/02/2025: January's deadline (05/02) is two days away — within the 3-day reminder.
BEFORE_DEADLINE = dt.datetime(2025, 2, 3, 10, 0, tzinfo=VIETNAM)
# 08/01/2025: December's deadline (05/01) passed three days ago.
AFTER_DEADLINE = dt.datetime(2025, 1, 8, 10, 0, tzinfo=VIETNAM)
LINK = re.compile(r"https://hoptac\.example\.vn(/notifications/\d+/)")


@pytest.fixture
def people(world):
    for user in (
        world.officer_a,
        world.officer_b,
        world.viewer_a,
        world.staff,
        world.leader,
        world.admin,
    ):
        user.email = f"{user.username}@example.vn"
        user.save()
    return world


def submitted(world, sub=None, month=None):
    return f.MonthlyReportFactory(
        sub_agreement=sub or world.sub_a, month=month or world.month, status="submitted"
    )


def return_month(world, report, reason="Số ca tuần tra chưa khớp sổ theo dõi."):
    return services.report_return(
        report=report,
        user=world.staff,
        scope=user_scope(world.staff),
        version=report.version,
        reason=reason,
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_returned_month_tells_the_units_officers_once_in_vietnamese_with_a_link(
    people, client, django_capture_on_commit_callbacks
):
    report = submitted(people)
    with django_capture_on_commit_callbacks(execute=True):
        return_month(people, report)
    assert recipients() == ["doan.a@example.vn"]
    message = mail.outbox[0]
    assert message.subject == ("[Hợp tác] Huyện Anh Sơn: báo cáo tháng 03/2024 bị trả lại để sửa")
    assert "Lý do: Số ca tuần tra chưa khớp sổ theo dõi." in message.body
    assert "Kính gửi" in message.body and "Reason" not in message.body
    # The link opens the month for its recipient (and marks the notification read).
    path = LINK.search(message.body).group(1)
    client.force_login(people.officer_a)
    opened = client.get(path)
    assert opened.status_code == 302
    assert opened["Location"] == reverse(
        "activities:month_entry", args=[people.sub_a.pk, "2024-03"]
    )
    assert client.get(opened["Location"]).status_code == 200
    assert Notification.objects.get().read_at is not None
    # Anyone else following it gets a 404.
    client.force_login(people.officer_b)
    assert client.get(path).status_code == 404


def test_nobody_outside_the_units_scope_is_told(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return_month(people, submitted(people))
        services.report_approve(
            report=submitted(people, sub=people.sub_b),
            user=people.staff,
            scope=user_scope(people.staff),
            version=1,
        )
    told = {
        (n.recipient.username, n.params["unit"])
        for n in Notification.objects.select_related("recipient")
    }
    assert told == {("doan.a", "Huyện Anh Sơn"), ("doan.b", "Huyện Bình Thử")}


def test_approved_and_reopened_months_tell_the_officers(people, django_capture_on_commit_callbacks):
    report = submitted(people)
    scope = user_scope(people.staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(report=report, user=people.staff, scope=scope, version=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reopen(
            report=report, user=people.staff, scope=scope, version=2, reason="Sửa VNeID"
        )
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "[Hợp tác] Huyện Anh Sơn: báo cáo tháng 03/2024 đã được duyệt",
        "[Hợp tác] Huyện Anh Sơn: báo cáo tháng 03/2024 được mở lại để sửa",
    ]
    assert "Lý do: Sửa VNeID" in mail.outbox[1].body


def test_a_rolled_back_action_tells_nobody(people, django_capture_on_commit_callbacks):
    report = submitted(people)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                return_month(people, report)
                raise RuntimeError("the request failed after the return")
        except RuntimeError:
            pass
    assert mail.outbox == [] and not Notification.objects.exists()
    assert MonthlyReport.objects.get().status == "submitted"


def test_portal_only_preference_sends_no_email_but_shows_the_bell(
    people, client, django_capture_on_commit_callbacks
):
    client.force_login(people.officer_a)
    data = {kind: "email" for kind in Kind.values}
    data["returned"] = "portal"
    assert client.post(reverse("notifications:preferences"), data).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        return_month(people, submitted(people))
    assert mail.outbox == []
    home = client.get("/").content.decode()
    assert re.search(r'class="count">1</span>', home)
    listing = client.get(reverse("notifications:list")).content.decode()
    assert "bị trả lại để sửa" in listing and "Lý do: Số ca tuần tra" in listing
    client.post(reverse("notifications:mark_all_read"))
    assert 'class="count"' not in client.get("/").content.decode()


def test_daily_digest_preference_gathers_notifications_into_one_email_a_day(
    people, django_capture_on_commit_callbacks
):
    notify.preferences_set(
        user=people.officer_a, deliveries={"returned": "digest", "approved": "digest"}
    )
    with time_machine.travel(dt.datetime(2025, 1, 14, 16, 0, tzinfo=VIETNAM)):
        with django_capture_on_commit_callbacks(execute=True):
            return_month(people, submitted(people))
            services.report_approve(
                report=submitted(people, month=dt.date(2024, 4, 1)),
                user=people.staff,
                scope=user_scope(people.staff),
                version=1,
            )
    assert mail.outbox == []
    # The next morning's run sends one digest with both; later runs that day send nothing.
    with time_machine.travel(dt.datetime(2025, 1, 15, 8, 0, tzinfo=VIETNAM)):
        notify.reminders_send()
        notify.reminders_send()
    digests = [m for m in mail.outbox if m.to == ["doan.a@example.vn"]]
    assert len(digests) == 1
    assert digests[0].subject == "[Hợp tác] Tổng hợp ngày 15/01/2025: 2 thông báo"
    assert "bị trả lại để sửa" in digests[0].body and "đã được duyệt" in digests[0].body
    assert len(LINK.findall(digests[0].body)) == 2


@time_machine.travel(BEFORE_DEADLINE)
def test_deadline_reminder_goes_once_to_the_officers_of_units_not_yet_submitted(people):
    submitted(people, sub=people.sub_b, month=dt.date(2025, 1, 1))
    call_command("send_reminders", stdout=io.StringIO())
    reminders = [m for m in mail.outbox if "phải nộp" in m.subject]
    assert [m.to for m in reminders] == [["doan.a@example.vn"]]
    assert reminders[0].subject == (
        "[Hợp tác] Huyện Anh Sơn: báo cáo tháng 01/2025 phải nộp trước hết ngày 05/02/2025"
    )
    assert "Còn 2 ngày." in reminders[0].body
    before = len(mail.outbox)
    call_command("send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == before  # a second run sends nothing


@time_machine.travel(AFTER_DEADLINE)
def test_missed_deadline_is_reported_once(people):
    call_command("send_reminders", stdout=io.StringIO())
    call_command("send_reminders", stdout=io.StringIO())
    missed = [m for m in mail.outbox if "quá hạn nộp" in m.subject]
    assert sorted(m.to[0] for m in missed) == ["doan.a@example.vn", "doan.b@example.vn"]
    assert all("tháng 12/2024" in m.subject for m in missed)


@time_machine.travel(AFTER_DEADLINE)
def test_weekly_summary_reaches_provincial_staff_only_once_a_week(people):
    return_month(people, submitted(people, month=dt.date(2024, 11, 1)))
    submitted(people, sub=people.sub_b, month=dt.date(2024, 11, 1))
    notify.reminders_send()
    with time_machine.travel(dt.datetime(2025, 1, 10, 10, 0, tzinfo=VIETNAM)):
        notify.reminders_send()  # later the same ISO week: nothing new
    summaries = [m for m in mail.outbox if "Tuần từ" in m.subject]
    assert [m.to for m in summaries] == [["tinhdoan@example.vn"]]
    assert "1 tháng bị trả lại, 1 tháng chờ duyệt" in summaries[0].subject
    assert "Bị trả lại, chờ đơn vị sửa: Huyện Anh Sơn (11/2024)" in summaries[0].body
    # The next week brings the next summary.
    with time_machine.travel(dt.datetime(2025, 1, 13, 10, 0, tzinfo=VIETNAM)):
        notify.reminders_send()
    assert len([m for m in mail.outbox if "Tuần từ" in m.subject]) == 2


def test_issued_report_tells_leadership(people):
    issued = type("Issued", (), {"pk": 7, "title": "Báo cáo quý I/2024", "number_line": "Số: 1-BC"})
    notify.report_issued_notify(issued_report=issued)
    assert recipients() == ["lanhdao@example.vn"]
    assert mail.outbox[0].subject == "[Hợp tác] Đã ban hành báo cáo: Báo cáo quý I/2024 (Số: 1-BC)"


def test_an_email_is_claimed_before_it_is_sent(people):
    """The conditional update: a row another process already took is not sent again."""
    notification = Notification.objects.create(
        recipient=people.officer_a,
        kind="approved",
        key="k",
        params={"unit": "A", "month": "2024-03-01"},
    )
    Notification.objects.filter(pk=notification.pk).update(email_state="pending")
    assert notify._claim(notification.pk) is True
    assert notify._claim(notification.pk) is False  # another process got there first
    assert notify.emails_send_pending() == 0
    assert mail.outbox == []


def test_user_without_email_is_told_in_the_portal_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return_month(world, submitted(world))
    assert mail.outbox == []
    assert Notification.objects.get().email_state == "none"


def test_notifications_list_is_in_vietnamese_and_marks_read(people, client):
    notification = Notification.objects.create(
        recipient=people.officer_a,
        kind="deadline_soon",
        key="k",
        params={
            "unit": "Huyện Anh Sơn",
            "month": "2025-01-01",
            "deadline": "2025-02-05",
            "days": 1800,
        },
        target="/",
    )
    client.force_login(people.officer_a)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "phải nộp trước hết ngày 05/02/2025" in page and "Còn 1.800 ngày." in page
    client.post(reverse("notifications:mark_read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at is not None
