"""Every workflow transition, allowed and refused, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activities import services
from activities.models import ActivityValue, MonthlyReport
from agreements.selectors import user_scope
from audit.models import AuditEvent

Status = MonthlyReport.Status


def full_values(world, base=1):
    return {
        world.patrol.pk: services.ValueInput(value=base * 10),
        world.mediation.pk: services.ValueInput(value=base),
        world.vneid.pk: services.ValueInput(value=base * 1000),
        world.online.pk: services.ValueInput(numerator=base * 4, denominator=base * 10),
    }


def new_report(world, user=None, month=None):
    user = user or world.officer_a
    return services.report_get_or_create(
        sub_agreement=world.sub_a, month=month or world.month, scope=user_scope(user)
    )


def save(world, report, user=None, values=None, narrative=None):
    user = user or world.officer_a
    return services.report_save_draft(
        report=report,
        user=user,
        scope=user_scope(user),
        version=report.version,
        values=values if values is not None else full_values(world),
        narrative=narrative,
    )


def submit(world, report):
    return services.report_submit(
        report=report,
        user=world.officer_a,
        scope=user_scope(world.officer_a),
        version=report.version,
    )


def submitted(world):
    report = save(world, new_report(world))
    return submit(world, report)


def test_saving_a_draft_stores_values_and_writes_the_audit_trail(world):
    report = save(world, new_report(world), narrative="Tháng 3 tuần tra nhiều.")
    assert report.status == Status.DRAFT
    assert report.version == 2
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 10
    ratio = ActivityValue.objects.get(report=report, indicator=world.online)
    assert (ratio.numerator, ratio.denominator) == (4, 10)
    event = AuditEvent.objects.about("monthly_report", report.pk).get()
    assert event.action == "save" and event.actor == world.officer_a
    assert event.after["TUAN_TRA"]["value"] == 10 and event.before["TUAN_TRA"] is None
    assert event.after["narrative"] == "Tháng 3 tuần tra nhiều."


def test_saving_the_same_figures_again_changes_nothing(world):
    report = save(world, new_report(world))
    again = save(world, report)
    assert again.version == report.version
    assert AuditEvent.objects.about("monthly_report", report.pk).count() == 1


def test_clearing_a_value_removes_it_and_records_the_old_one(world):
    report = save(world, new_report(world))
    values = full_values(world)
    values[world.patrol.pk] = services.ValueInput()
    report = save(world, report, values=values)
    assert not ActivityValue.objects.filter(report=report, indicator=world.patrol).exists()
    event = AuditEvent.objects.about("monthly_report", report.pk).first()
    assert event.before["TUAN_TRA"]["value"] == 10 and event.after["TUAN_TRA"] is None


def test_narrative_typed_in_nfd_is_stored_in_nfc(world):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Hòa giải thành công")
    report = save(world, new_report(world), narrative=decomposed)
    assert report.narrative == unicodedata.normalize("NFC", "Hòa giải thành công")


def test_submit_needs_every_indicator(world):
    values = full_values(world)
    del values[world.mediation.pk]
    report = save(world, new_report(world), values=values)
    with pytest.raises(ValidationError) as error:
        submit(world, report)
    assert "Vụ mâu thuẫn hòa giải thành công" in str(error.value)
    assert "HOA_GIAI" not in str(error.value)
    assert MonthlyReport.objects.get(pk=report.pk).status == Status.DRAFT


def test_submit_then_approve_locks_the_month(world):
    report = submitted(world)
    assert report.status == Status.SUBMITTED and report.submitted_by == world.officer_a
    approved = services.report_approve(
        report=report, user=world.staff, scope=user_scope(world.staff), version=report.version
    )
    assert approved.status == Status.APPROVED
    with pytest.raises(ValidationError):
        save(world, approved)
    assert ActivityValue.objects.get(report=report, indicator=world.patrol).value == 10
    actions = list(
        AuditEvent.objects.about("monthly_report", report.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["save", "submit", "approve"]


def test_a_submitted_month_cannot_be_edited_by_the_district(world):
    report = submitted(world)
    with pytest.raises(ValidationError):
        save(world, report, values=full_values(world, base=2))


def test_return_requires_a_reason_and_sends_the_month_back(world):
    report = submitted(world)
    staff_scope = user_scope(world.staff)
    with pytest.raises(ValidationError):
        services.report_return(
            report=report, user=world.staff, scope=staff_scope, version=report.version, reason="   "
        )
    assert MonthlyReport.objects.get(pk=report.pk).status == Status.SUBMITTED
    returned = services.report_return(
        report=report,
        user=world.staff,
        scope=staff_scope,
        version=report.version,
        reason="Số ca tuần tra chưa khớp.",
    )
    assert returned.status == Status.RETURNED
    assert returned.return_reason == "Số ca tuần tra chưa khớp."
    event = AuditEvent.objects.about("monthly_report", report.pk).first()
    assert event.action == "return" and event.reason == "Số ca tuần tra chưa khớp."
    # The district fixes the figures and submits again.
    fixed = save(world, returned, values=full_values(world, base=2))
    assert fixed.status == Status.DRAFT
    resubmitted = services.report_submit(
        report=fixed, user=world.officer_a, scope=user_scope(world.officer_a), version=fixed.version
    )
    assert resubmitted.status == Status.SUBMITTED


def test_reopen_needs_a_reason_and_takes_the_month_out_of_the_official_figures(world):
    report = submitted(world)
    staff_scope = user_scope(world.staff)
    report = services.report_approve(
        report=report, user=world.staff, scope=staff_scope, version=report.version
    )
    with pytest.raises(ValidationError):
        services.report_reopen(
            report=report, user=world.staff, scope=staff_scope, version=report.version, reason=""
        )
    reopened = services.report_reopen(
        report=report,
        user=world.staff,
        scope=staff_scope,
        version=report.version,
        reason="Sai số nhà hoàn thành.",
    )
    assert reopened.status == Status.RETURNED


@pytest.mark.parametrize("transition", ["approve", "return"])
def test_only_a_submitted_month_can_be_approved_or_returned(world, transition):
    report = save(world, new_report(world))
    service = {"approve": services.report_approve, "return": services.report_return}[transition]
    kwargs = {"reason": "Lý do"} if transition == "return" else {}
    with pytest.raises(ValidationError):
        service(
            report=report,
            user=world.staff,
            scope=user_scope(world.staff),
            version=report.version,
            **kwargs,
        )


def test_reopen_only_from_approved(world):
    report = submitted(world)
    with pytest.raises(ValidationError):
        services.report_reopen(
            report=report,
            user=world.staff,
            scope=user_scope(world.staff),
            version=report.version,
            reason="Lý do",
        )


@pytest.mark.parametrize("who", ["officer_a", "viewer_a", "leader"])
def test_district_and_leadership_cannot_approve(world, who):
    report = submitted(world)
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.report_approve(
            report=report, user=user, scope=user_scope(user), version=report.version
        )
    assert MonthlyReport.objects.get(pk=report.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["officer_b", "viewer_a", "leader"])
def test_only_own_district_officers_and_staff_can_save(world, who):
    report = new_report(world)
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        save(world, report, user=user)
    assert not ActivityValue.objects.exists()


def test_provincial_staff_can_enter_figures_for_a_district(world):
    report = new_report(world, user=world.staff)
    assert save(world, report, user=world.staff).version == 2


def test_future_months_and_months_outside_the_agreement_are_refused(world):
    scope = user_scope(world.officer_a)
    for month in (dt.date(2099, 1, 1), dt.date(2023, 5, 1), dt.date(2025, 7, 1)):
        with pytest.raises(ValidationError):
            services.report_get_or_create(sub_agreement=world.sub_a, month=month, scope=scope)
    assert not MonthlyReport.objects.exists()


def test_a_failed_submit_from_the_form_keeps_nothing(world):
    report = new_report(world)
    values = full_values(world)
    del values[world.online.pk]
    with pytest.raises(ValidationError):
        services.report_save_and_submit(
            report=report,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            version=report.version,
            values=values,
        )
    assert not ActivityValue.objects.exists()
    assert MonthlyReport.objects.get(pk=report.pk).version == 1


def test_an_unusual_spike_needs_a_comment_before_submitting(world):
    for month in (1, 2):
        earlier = services.report_get_or_create(
            sub_agreement=world.sub_a,
            month=dt.date(2024, month, 1),
            scope=user_scope(world.officer_a),
        )
        save(world, earlier)  # patrol 10 each month
    report = new_report(world)
    values = full_values(world)
    values[world.patrol.pk] = services.ValueInput(value=95)
    report = save(world, report, values=values)
    scope = user_scope(world.officer_a)
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            report=report, user=world.officer_a, scope=scope, version=report.version
        )
    assert "Ca tuần tra ban đêm: 95" in str(error.value) and "(trung vị 10)" in str(error.value)
    assert "TUAN_TRA" not in str(error.value)
    values[world.patrol.pk] = services.ValueInput(value=95, comment="Cao điểm Tết, tăng ca.")
    report = save(world, report, values=values)
    submitted_report = services.report_submit(
        report=report, user=world.officer_a, scope=scope, version=report.version
    )
    assert submitted_report.status == Status.SUBMITTED


def test_a_stock_that_goes_down_needs_a_comment(world):
    february = services.report_get_or_create(
        sub_agreement=world.sub_a, month=dt.date(2024, 2, 1), scope=user_scope(world.officer_a)
    )
    save(world, february)  # VNeID 1000
    values = full_values(world)
    values[world.vneid.pk] = services.ValueInput(value=900)
    report = save(world, new_report(world), values=values)
    with pytest.raises(ValidationError) as error:
        submit(world, report)
    assert "Tài khoản VNeID: 900 thấp hơn tháng trước (1.000)" in str(error.value)
