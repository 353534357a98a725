"""Two sessions at once, on PostgreSQL (real row locks; SQLite serialises whole transactions,
so the race cannot be staged there): no lost update, and no approval of figures the approver
did not see.

Each scenario holds a real lock in one thread, waits until PostgreSQL reports the other thread
blocked on it, then lets the first commit: the interleaving is forced, not hoped for."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from activities import services
from activities.models import ActivityValue, MonthlyReport
from agreements.selectors import user_scope
from audit.models import AuditEvent
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]

WAIT_LIMIT = 20  # seconds before we give up waiting for the other thread (a hang, not a timing)


class Worker(threading.Thread):
    """Runs ``work`` in its own database connection; keeps its result or exception."""

    def __init__(self, work: Callable[[], object]):
        super().__init__(daemon=True)
        self.work = work
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        try:
            self.result = self.work()
        except BaseException as error:
            self.error = error
        finally:
            connections.close_all()


def _wait_until_someone_waits_for_a_lock() -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] > 0:
                return
        time.sleep(0.05)
    raise AssertionError("the second session never blocked on the row lock")


def _values(report) -> dict[str, int | None]:
    return dict(ActivityValue.objects.filter(report=report).values_list("indicator__code", "value"))


def _hold_lock_while(first: Callable[[], object], second: Callable[[], object]):
    """Run ``first`` in a transaction that stays open until ``second`` (another thread) is
    blocked on the same row; then commit ``first`` and let ``second`` finish."""
    release = threading.Event()
    done_first = threading.Event()

    def first_then_wait():
        with transaction.atomic():
            result = first()
            done_first.set()
            if not release.wait(WAIT_LIMIT):
                raise AssertionError("never released")
        return result

    holder = Worker(first_then_wait)
    holder.start()
    assert done_first.wait(WAIT_LIMIT)
    waiter = Worker(second)
    waiter.start()
    try:
        _wait_until_someone_waits_for_a_lock()
    finally:
        release.set()
        holder.join(WAIT_LIMIT)
        waiter.join(WAIT_LIMIT)
    assert not holder.is_alive() and not waiter.is_alive()
    return holder, waiter


def test_two_sessions_saving_the_same_month_one_wins_the_other_is_told(world):
    report = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month, version=2)
    f.ActivityValueFactory(report=report, indicator=world.patrol, value=1)
    second_officer = f.UserFactory(username="doan.a.2")
    f.MembershipFactory(user=second_officer, org_unit=world.unit_a, role="district_officer")

    def save(user, value):
        return lambda: services.report_save_draft(
            report=report,
            user=user,
            scope=user_scope(user),
            version=2,  # both opened the form at version 2
            values={world.patrol.pk: services.ValueInput(value=value)},
        )

    first, second = _hold_lock_while(save(world.officer_a, 10), save(second_officer, 20))

    assert first.error is None
    assert isinstance(second.error, services.StaleReportError)
    # The refused session is shown what changed, and by whom.
    assert [e.actor_id for e in second.error.events] == [world.officer_a.pk]
    assert second.error.report.version == 3
    report.refresh_from_db()
    assert report.version == 3
    assert _values(report) == {"TUAN_TRA": 10}
    assert AuditEvent.objects.about("monthly_report", report.pk).count() == 1


def test_approver_cannot_approve_figures_changed_while_approving(world):
    """The approver opened the month at version 3 (values X). Meanwhile it was returned and
    the district is re-submitting new values: the approval must not land on them."""
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a,
        month=world.month,
        version=3,
        status=MonthlyReport.Status.SUBMITTED,
    )
    for indicator in world.indicators:
        if indicator.is_ratio:
            f.ActivityValueFactory(
                report=report, indicator=indicator, value=None, numerator=1, denominator=2
            )
        else:
            f.ActivityValueFactory(report=report, indicator=indicator, value=5)
    seen_by_approver = report.version
    services.report_return(
        report=report,
        user=world.admin,
        scope=user_scope(world.admin),
        version=3,
        reason="Kiểm tra lại số ca tuần tra",
    )

    def district_resubmits():
        return services.report_save_and_submit(
            report=report,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            version=4,
            values={world.patrol.pk: services.ValueInput(value=999)},
        )

    def approver_clicks_approve():
        return services.report_approve(
            report=report,
            user=world.staff,
            scope=user_scope(world.staff),
            version=seen_by_approver,
        )

    district, approver = _hold_lock_while(district_resubmits, approver_clicks_approve)

    assert district.error is None
    assert isinstance(approver.error, services.StaleReportError)
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.SUBMITTED
    assert _values(report)["TUAN_TRA"] == 999
    assert (
        not AuditEvent.objects.about("monthly_report", report.pk).filter(action="approve").exists()
    )

    # Having seen the new figures (the current version), the approver can approve them.
    services.report_approve(
        report=report, user=world.staff, scope=user_scope(world.staff), version=report.version
    )
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.APPROVED


def test_two_reviewers_deciding_at_once_only_one_decision_lands(world):
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_a,
        month=world.month,
        version=7,
        status=MonthlyReport.Status.SUBMITTED,
    )
    approve = lambda: services.report_approve(  # noqa: E731
        report=report, user=world.staff, scope=user_scope(world.staff), version=7
    )
    send_back = lambda: services.report_return(  # noqa: E731
        report=report, user=world.admin, scope=user_scope(world.admin), version=7, reason="Sai"
    )
    first, second = _hold_lock_while(approve, send_back)
    assert first.error is None
    assert isinstance(second.error, services.StaleReportError)
    report.refresh_from_db()
    assert (report.status, report.version) == (MonthlyReport.Status.APPROVED, 8)
    assert list(
        AuditEvent.objects.about("monthly_report", report.pk).values_list("action", flat=True)
    ) == ["approve"]
