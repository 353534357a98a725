"""Plans have a lifecycle: a plan closes after its final review and is read-only from then on
(browsable, exportable, printable); staff start the next plan from a closed one; the portal
opens on the current plan, with earlier plans in an archive, and every page follows the plan
chosen for the request."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook

from activities import services
from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agency, Agreement, Indicator, OrgUnit, Target, Task
from agreements.selectors import user_scope
from agreements.services_plans import PlanDetails, plan_activate, plan_start_next
from audit.models import AuditEvent
from reports.models import IssuedReport
from reports.services_plans import plan_close
from tests import factories as f
from tests.conftest import AFTER_PLAN, VIETNAM
from tests.excel_helpers import row, snapshot, xlsx

CLOSED_MESSAGE = "Kế hoạch đã kết thúc ngày 15/08/2025; chỉ xem, xuất và in."
PDF = b"%PDF-1.4\n%%EOF\n"
NEXT_PLAN_DAY = dt.datetime(2026, 3, 20, 10, 0, tzinfo=VIETNAM)


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def issue_final_review(world, *, settings, tmp_path, withdrawn: bool = False) -> IssuedReport:
    settings.MEDIA_ROOT = tmp_path / "media"
    report = IssuedReport(
        kind="final",
        period="plan",
        period_label="giai đoạn 2023 – 2025",
        plan=world.plan,
        number_line="Số: 3/BC-CAT",
        title="Báo cáo tổng kết",
        issued_by=world.staff,
        file_sha256="0" * 64,
        figures={},
        figures_sha256="0" * 64,
        issuing_agency=f.AgencyFactory(org_unit=world.province),
    )
    report.file.save("final.pdf", ContentFile(PDF), save=True)
    if withdrawn:
        IssuedReport.objects.filter(pk=report.pk).update(
            withdrawn_at=dt.datetime(2025, 8, 1, tzinfo=VIETNAM), withdrawal_reason="Nhầm số"
        )
    return report


@pytest.fixture
def months(world):
    """District A: an approved 03/2024 with a figure, a submitted 04/2024, a draft 05/2024."""
    approved = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 3, 1), status="approved"
    )
    f.ActivityValueFactory(report=approved, indicator=world.patrol, value=12)
    submitted = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=dt.date(2024, 4, 1), status="submitted"
    )
    draft = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=dt.date(2024, 5, 1))
    world.approved, world.submitted, world.draft = approved, submitted, draft
    return world


@pytest.fixture
def closed(months, settings, tmp_path):
    """The world plan, its final review issued, closed on 15/08/2025."""
    issue_final_review(months, settings=settings, tmp_path=tmp_path)
    with time_machine.travel(AFTER_PLAN, tick=False):
        plan_close(plan=months.plan, user=months.staff, reason="Tổng kết xong")
    months.plan.refresh_from_db()
    return months


# --- Closing --------------------------------------------------------------------------------


def test_closing_without_a_final_review_is_refused(world):
    with pytest.raises(ValidationError) as error:
        plan_close(plan=world.plan, user=world.staff)
    assert "chưa ban hành báo cáo tổng kết" in " ".join(error.value.messages)
    world.plan.refresh_from_db()
    assert world.plan.status == Agreement.Status.ACTIVE
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PLAN_CLOSE).exists()


def test_a_withdrawn_final_review_does_not_allow_closing(world, settings, tmp_path):
    issue_final_review(world, settings=settings, tmp_path=tmp_path, withdrawn=True)
    with pytest.raises(ValidationError):
        plan_close(plan=world.plan, user=world.staff)


@time_machine.travel(AFTER_PLAN, tick=False)
def test_closing_after_the_final_review_closes_plan_and_sub_agreements_audited(
    world, settings, tmp_path
):
    issue_final_review(world, settings=settings, tmp_path=tmp_path)
    plan_close(plan=world.plan, user=world.staff, reason="Tổng kết xong")
    world.plan.refresh_from_db()
    assert world.plan.status == Agreement.Status.CLOSED
    assert world.plan.closed_on == dt.date(2025, 8, 15)
    assert set(world.plan.sub_agreements.values_list("status", flat=True)) == {"closed"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLAN_CLOSE)
    assert event.actor == world.staff and event.reason == "Tổng kết xong"
    assert event.status_before == "active" and event.status_after == "closed"


def test_staff_close_a_plan_from_the_archive_page(client, world, settings, tmp_path):
    client.force_login(world.staff)
    url = reverse("plan_close", args=[world.plan.pk])
    refused = client.post(url, follow=True)
    assert "chưa ban hành báo cáo tổng kết" in _text(refused)
    issue_final_review(world, settings=settings, tmp_path=tmp_path)
    page = client.get(reverse("plan_list"))
    assert "Kết thúc kế hoạch này" in _text(page)
    client.post(url, {"reason": ""})
    world.plan.refresh_from_db()
    assert world.plan.status == Agreement.Status.CLOSED


def test_leadership_cannot_close_a_plan(client, world, settings, tmp_path):
    issue_final_review(world, settings=settings, tmp_path=tmp_path)
    client.force_login(world.leader)
    assert client.post(reverse("plan_close", args=[world.plan.pk])).status_code == 403
    world.plan.refresh_from_db()
    assert world.plan.status == Agreement.Status.ACTIVE


# --- A closed plan is read-only ------------------------------------------------------------


def test_a_closed_plan_refuses_every_workflow_write_with_the_reason(closed):
    officer = user_scope(closed.officer_a)
    staff = user_scope(closed.staff)
    values = {closed.patrol.pk: services.ValueInput(value=3)}
    before = snapshot()
    attempts = [
        lambda: services.report_save_draft(
            report=closed.draft, user=closed.officer_a, scope=officer, version=1, values=values
        ),
        lambda: services.report_save_draft(
            sub_agreement=closed.sub_a,
            month=dt.date(2024, 6, 1),
            user=closed.officer_a,
            scope=officer,
            version=0,
            values=values,
        ),
        lambda: services.report_submit(
            report=closed.draft, user=closed.officer_a, scope=officer, version=1
        ),
        lambda: services.report_approve(
            report=closed.submitted, user=closed.staff, scope=staff, version=1
        ),
        lambda: services.report_return(
            report=closed.submitted, user=closed.staff, scope=staff, version=1, reason="Sai"
        ),
        lambda: services.report_reopen(
            report=closed.approved, user=closed.staff, scope=staff, version=1, reason="Sai"
        ),
        lambda: services.report_get_or_create(
            sub_agreement=closed.sub_a, month=dt.date(2024, 7, 1), scope=officer
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [CLOSED_MESSAGE]
    assert snapshot() == before
    assert not MonthlyReport.objects.filter(month__in=[dt.date(2024, 6, 1), dt.date(2024, 7, 1)])


def test_the_one_write_of_figures_refuses_a_closed_plans_months(closed):
    change = services.FigureChange(
        report=closed.draft,
        indicator=closed.patrol,
        current=None,
        new=services.ValueInput(value=9),
    )
    # Its callers' transaction (it opens no savepoint of its own).
    with pytest.raises(ValidationError, match="chỉ xem, xuất và in"), transaction.atomic():
        services.figures_write(changes=[change], user=closed.staff, action="save")
    assert not ActivityValue.objects.filter(report=closed.draft).exists()


def test_the_entry_form_of_a_closed_plan_is_locked_and_says_why(client, closed):
    client.force_login(closed.officer_a)
    url = reverse("activities:month_entry", args=[closed.sub_a.pk, "2024-05"])
    page = client.get(url)
    assert page.status_code == 200
    assert CLOSED_MESSAGE in _text(page)
    assert 'name="action" value="submit"' not in _text(page)
    posted = client.post(
        url, {"version": 1, f"v_{closed.patrol.pk}": "5", "action": "submit"}, follow=True
    )
    assert CLOSED_MESSAGE in _text(posted)
    closed.draft.refresh_from_db()
    assert closed.draft.status == "draft" and not closed.draft.values.exists()


def test_approving_a_closed_plans_month_is_refused_with_the_reason(client, closed):
    client.force_login(closed.staff)
    detail = client.get(reverse("activities:report_detail", args=[closed.submitted.pk]))
    assert CLOSED_MESSAGE in _text(detail) and 'value="approve"' not in _text(detail)
    response = client.post(
        reverse("activities:report_review", args=[closed.submitted.pk]),
        {"action": "approve", "version": 1},
        follow=True,
    )
    assert CLOSED_MESSAGE in _text(response)
    closed.submitted.refresh_from_db()
    assert closed.submitted.status == "submitted"


def test_excel_import_into_a_closed_plan_is_refused_with_the_reason(client, closed):
    client.force_login(closed.staff)
    before = snapshot()
    content = xlsx([row(unit="A", month="05/2024", value=7)])
    response = client.post(
        reverse("activities:import_upload"),
        {"file": SimpleUploadedFile("so-lieu.xlsx", content)},
    )
    assert response.status_code == 400
    assert CLOSED_MESSAGE in _text(response)
    assert snapshot() == before


def test_target_import_into_a_closed_plan_is_refused_with_the_reason(client, closed):
    staff = closed.staff
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_target", "add_target", "change_target"])
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã thỏa thuận", "Mã chỉ tiêu", "Năm", "Chỉ tiêu giao"])
    sheet.append([closed.sub_a.code, "TUAN_TRA", 2024, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(staff)
    response = client.post(
        reverse("admin:agreements_target_import"),
        {
            "import_file": SimpleUploadedFile("chi-tieu.xlsx", buffer.getvalue()),
            "format": "0",
            "resource": "0",
        },
    )
    assert CLOSED_MESSAGE in _text(response)
    assert not response.context.get("confirm_form")
    assert not Target.objects.exists()


def test_a_closed_plan_still_serves_dashboards_exports_and_documents(client, closed):
    client.force_login(closed.staff)
    query = f"?plan={closed.plan.code}"
    for url in (
        reverse("home") + query,
        reverse("reports:province") + query,
        reverse("reports:district", args=[closed.sub_a.pk]) + query,
        reverse("reports:indicator", args=["TUAN_TRA"]) + query,
        reverse("activities:month_list", args=[closed.sub_a.pk]),
        reverse("activities:export") + query,
        reverse("pdf:index") + query,
        reverse("pdf:draft") + query + "&kind=final",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    export = client.get(reverse("activities:export") + query + "&format=csv")
    assert export.status_code == 200
    assert "TUAN_TRA" in export.content.decode("utf-8-sig")
    template = client.get(reverse("activities:import_template") + query)
    assert template.status_code == 200


# --- The next plan -------------------------------------------------------------------------


@pytest.fixture
def next_world(closed):
    """Around the closed plan's units A and B (still in force): a unit that ended before the
    next plan, one that starts after its start, one that starts on it (with its Youth Union
    and Police), and one under another province."""
    province = closed.province
    closed.ended = f.OrgUnitFactory(
        code="END", parent=province, valid_to=dt.date(2025, 12, 31), name="Huyện Đã Hết"
    )
    closed.later = f.OrgUnitFactory(
        code="LATER", parent=province, valid_from=dt.date(2026, 2, 1), name="Xã Sau Này"
    )
    closed.new_unit = f.OrgUnitFactory(
        code="NEW",
        parent=province,
        kind=OrgUnit.Kind.COMMUNE,
        valid_from=dt.date(2026, 1, 1),
        name="Xã Mới",
    )
    closed.union = f.AgencyFactory(
        code="DOAN_NEW", org_unit=closed.new_unit, kind=Agency.Kind.YOUTH_UNION, name="Đoàn xã Mới"
    )
    closed.police = f.AgencyFactory(
        code="CA_NEW", org_unit=closed.new_unit, kind=Agency.Kind.POLICE, name="Công an xã Mới"
    )
    f.AgencyFactory(
        code="CA_NEW_OLD",
        org_unit=closed.new_unit,
        kind=Agency.Kind.POLICE,
        name="Công an cũ",
        valid_to=dt.date(2025, 12, 31),
    )
    f.OrgUnitFactory(code="ELSEWHERE", parent=f.OrgUnitFactory(kind=OrgUnit.Kind.PROVINCE))
    return closed


DETAILS = PlanDetails(
    code="KH-2026",
    title="Kế hoạch phối hợp giai đoạn 2026 – 2030",
    number="12/KH-CAT",
    start_date=dt.date(2026, 1, 1),
    end_date=dt.date(2030, 12, 31),
    period_rule=Agreement.PeriodRule.DECREE_09,
    submission_deadline_day=10,
)


def test_the_next_plan_starts_only_from_a_closed_plan(world):
    with pytest.raises(ValidationError, match="kết thúc"):
        plan_start_next(previous=world.plan, details=DETAILS, user=world.staff)
    assert not Agreement.objects.filter(code=DETAILS.code).exists()


def test_the_next_plan_copies_tasks_and_indicators_and_covers_the_units_in_force(next_world):
    world = next_world
    plan = plan_start_next(previous=world.plan, details=DETAILS, user=world.staff)
    assert (plan.status, plan.parent, plan.org_unit) == ("active", None, world.province)
    assert (plan.period_rule, plan.submission_deadline_day) == ("decree09", 10)
    assert list(plan.tasks.values_list("order", "name")) == list(
        world.plan.tasks.values_list("order", "name")
    )
    copied = Indicator.objects.filter(plan=plan).select_related("task")
    assert sorted((i.code, i.task.order, i.aggregation) for i in copied) == sorted(
        (i.code, i.task.order, i.aggregation) for i in world.indicators
    )
    assert all(i.task.agreement_id == plan.pk for i in copied)
    subs = {a.org_unit.code: a for a in plan.sub_agreements.select_related("org_unit")}
    # A and B (no end), the commune formed on the start date; not the unit that ended
    # before, the one that starts later, nor another province's.
    assert set(subs) == {"A", "B", "NEW"}
    new = subs["NEW"]
    assert (new.start_date, new.end_date, new.status) == (
        dt.date(2026, 1, 1),
        dt.date(2030, 12, 31),
        "active",
    )
    assert [p.agency.code for p in new.parties.order_by("order")] == ["DOAN_NEW", "CA_NEW"]
    assert "Đoàn xã Mới" in new.title and "Công an xã Mới" in new.title
    # The old plan keeps its own tasks, indicators and sub-agreements.
    assert Task.objects.filter(agreement=world.plan).count() == 3
    assert world.plan.sub_agreements.count() == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLAN_START)
    assert event.after["sub_agreements"] == 3 and event.after["indicators"] == 4


def test_a_duplicate_code_creates_nothing(next_world):
    details = PlanDetails(**{**DETAILS.__dict__, "code": next_world.sub_a.code})
    count = Agreement.objects.count()
    with pytest.raises(ValidationError):
        plan_start_next(previous=next_world.plan, details=details, user=next_world.staff)
    assert Agreement.objects.count() == count
    assert Task.objects.count() == 3


def test_staff_start_the_next_plan_in_the_browser_as_a_draft_then_activate_it(client, next_world):
    world = next_world
    client.force_login(world.staff)
    url = reverse("plan_next", args=[world.plan.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="2026-01-01"' in _text(form)  # the day after the closed plan, ISO
    response = client.post(
        url,
        {
            "title": "Kế hoạch phối hợp giai đoạn 2026 – 2030",
            "code": "KH-2026",
            "number": "",
            "signed_on": "",
            "start_date": "2026-01-01",
            "end_date": "2030-12-31",
            "period_rule": "calendar",
            "submission_deadline_day": "5",
            "status": "draft",
        },
    )
    assert response.status_code == 302
    plan = Agreement.objects.get(code="KH-2026")
    assert plan.status == "draft"
    assert set(plan.sub_agreements.values_list("status", flat=True)) == {"draft"}
    # A draft is not offered to others, and not the plan the portal opens on.
    client.force_login(world.leader)
    assert "KH-2026" not in _text(client.get(reverse("plan_list")))
    plan_activate(plan=plan, user=world.staff)
    assert set(plan.sub_agreements.values_list("status", flat=True)) == {"active"}


def test_the_next_plans_targets_are_set_with_the_admin_target_import(client, next_world):
    world = next_world
    plan = plan_start_next(previous=world.plan, details=DETAILS, user=world.staff)
    sub = plan.sub_agreements.get(org_unit=world.new_unit)
    staff = world.staff
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_target", "add_target", "change_target"])
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã thỏa thuận", "Mã chỉ tiêu", "Năm", "Chỉ tiêu giao"])
    sheet.append([sub.code, "TUAN_TRA", 2026, 120])
    sheet.append([plan.code, "TUAN_TRA", None, 5000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(staff)
    preview = client.post(
        reverse("admin:agreements_target_import"),
        {
            "import_file": SimpleUploadedFile("chi-tieu.xlsx", buffer.getvalue()),
            "format": "0",
            "resource": "0",
        },
    )
    confirm_form = preview.context["confirm_form"]
    assert confirm_form is not None, _text(preview)
    data = {name: confirm_form[name].value() for name in confirm_form.fields}
    client.post(reverse("admin:agreements_target_process_import"), data)
    targets = Target.objects.select_related("indicator")
    assert {(t.agreement_id, t.indicator.plan_id, t.year) for t in targets} == {
        (sub.pk, plan.pk, 2026),
        (plan.pk, plan.pk, None),
    }


# --- Choosing the plan ----------------------------------------------------------------------


@pytest.fixture
def two_plans(next_world):
    """The closed plan with district A's months, and the next plan in force since 01/2026
    with A's sub-agreement reporting 02/2026."""
    world = next_world
    world.next_plan = plan_start_next(previous=world.plan, details=DETAILS, user=world.staff)
    world.next_a = world.next_plan.sub_agreements.get(org_unit=world.unit_a)
    report = f.MonthlyReportFactory(
        sub_agreement=world.next_a, month=dt.date(2026, 2, 1), status="approved"
    )
    patrol = Indicator.objects.get(plan=world.next_plan, code="TUAN_TRA")
    f.ActivityValueFactory(report=report, indicator=patrol, value=4)
    return world


@time_machine.travel(NEXT_PLAN_DAY, tick=False)
def test_the_portal_opens_on_the_current_plan_and_switches_to_an_earlier_one(client, two_plans):
    world = two_plans
    client.force_login(world.officer_a)
    home = _text(client.get(reverse("home")))
    assert world.next_plan.title in home
    assert reverse("activities:month_entry", args=[world.next_a.pk, "2026-02"]) in home
    assert reverse("activities:month_entry", args=[world.sub_a.pk, "2024-05"]) not in home
    # The switcher lists the earlier plan; choosing it is remembered for the next pages.
    assert f'value="{world.plan.code}"' in home
    old = _text(client.get(reverse("home") + f"?plan={world.plan.code}"))
    assert "Bạn đang xem" in old and "chỉ xem, xuất và in" in old
    assert reverse("activities:month_list", args=[world.sub_a.pk]) in old
    assert reverse("activities:month_list", args=[world.next_a.pk]) not in old
    assert f"?plan={world.plan.code}" in old  # links keep the earlier plan
    assert world.plan.title in _text(client.get(reverse("home")))


@time_machine.travel(NEXT_PLAN_DAY, tick=False)
def test_the_archive_lists_every_plan_with_status_and_dates(client, two_plans):
    client.force_login(two_plans.leader)
    page = _text(client.get(reverse("plan_list")))
    for plan in (two_plans.plan, two_plans.next_plan):
        assert plan.title in page
        assert f"{plan.start_date:%d/%m/%Y} – {plan.end_date:%d/%m/%Y}" in page
    assert "Đã kết thúc" in page and "Đang thực hiện" in page
    assert "kế hoạch hiện hành" in page


@time_machine.travel(NEXT_PLAN_DAY, tick=False)
def test_dashboards_and_exports_follow_the_chosen_plan(client, two_plans):
    world = two_plans
    client.force_login(world.staff)
    current = client.get(reverse("reports:province"))
    assert current.context["plan"] == world.next_plan
    rows = {row.indicator.code: row for row in current.context["report"].rows}
    # 4 patrol shifts in 02/2026: the old plan's 12 of 03/2024 are not mixed in.
    assert rows["TUAN_TRA"].achieved == 4
    earlier = client.get(reverse("reports:province") + f"?plan={world.plan.code}")
    assert earlier.context["plan"] == world.plan
    rows = {row.indicator.code: row for row in earlier.context["report"].rows}
    assert rows["TUAN_TRA"].achieved == 12
    assert f"plan={world.plan.code}" in _text(earlier)  # its filter links keep it
    export = client.get(reverse("activities:export") + "?format=csv")
    assert ",03/2024," in export.content.decode("utf-8-sig")  # the session remembers it
    client.get(reverse("home") + f"?plan={world.next_plan.code}")
    export = client.get(reverse("activities:export") + "?format=csv").content.decode("utf-8-sig")
    assert ",02/2026," in export and ",03/2024," not in export


@time_machine.travel(NEXT_PLAN_DAY, tick=False)
def test_an_unknown_or_draft_plan_code_falls_back_to_the_current_plan(client, two_plans):
    world = two_plans
    draft = f.PlanFactory(code="KH-DRAFT", status="draft", org_unit=world.province)
    client.force_login(world.leader)
    for code in ("NOPE", draft.code, "a\x00b"):
        response = client.get(reverse("reports:province") + f"?plan={code}")
        assert response.status_code == 200
        assert response.context["plan"] == world.next_plan


@pytest.mark.parametrize("extra_plans", [0, 6])
def test_home_and_dashboard_queries_do_not_grow_with_the_number_of_plans(
    client, world, django_assert_max_num_queries, extra_plans
):
    for n in range(extra_plans):
        f.PlanFactory(
            code=f"OLD{n}",
            status="closed",
            org_unit=world.province,
            start_date=dt.date(2010 + n, 1, 1),
            end_date=dt.date(2010 + n, 12, 31),
        )
    f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month, status="submitted")
    client.force_login(world.staff)
    # The home page: 19 as in tests/test_query_counts.py, and its whole-province figures read
    # from the plan-level rollups (one query more than loading every unit; rows do not grow).
    with django_assert_max_num_queries(20):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(32):
        assert client.get(reverse("reports:province")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("plan_list")).status_code == 200
