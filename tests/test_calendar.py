"""One reporting calendar: the entry form, the import, the month list, the late-unit list,
the dashboards, the grid and the PDF pickers agree on months, deadlines, lateness and the
order of units. Each test here is a disagreement seen before the calendar had one home."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from activities import selectors as activity_selectors
from agreements.models import Agreement
from agreements.selectors import user_scope
from core import calendar
from core.text import by_unit_name, vietnamese_key
from reports import selectors
from tests import factories as f
from tests.reports_data import SUBMITTED, month_report

D = dt.date
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def _decree_09(world):
    world.plan.period_rule = Agreement.PeriodRule.DECREE_09
    world.plan.save(update_fields=["period_rule"])


# --- The month in progress ----------------------------------------------------------------


@time_machine.travel(dt.datetime(2024, 3, 20, 9, 0, tzinfo=LOCAL), tick=False)
def test_decree_09_month_owed_on_the_dashboard_can_be_entered(client, world):
    """On 20/03/2024 under Decree 09 the month in progress is April (15/03–14/04): the
    district dashboard lists it as open, and the entry page opens it instead of refusing
    it as a future month."""
    _decree_09(world)
    sub = Agreement.objects.get(pk=world.sub_a.pk)
    due = selectors.district_due(sub_agreement=sub)
    assert D(2024, 4, 1) in [item.month for item in due.due]

    client.force_login(world.officer_a)
    response = client.get(reverse("activities:month_entry", args=[sub.pk, "2024-04"]))
    assert response.status_code == 200
    assert "chưa thể nhập" not in response.content.decode()
    # May is after the month in progress: refused with the reason.
    response = client.get(reverse("activities:month_entry", args=[sub.pk, "2024-05"]), follow=True)
    assert "Không thể nhập số liệu cho tháng chưa đến." in response.content.decode()


@time_machine.travel(dt.datetime(2024, 3, 20, 9, 0, tzinfo=LOCAL), tick=False)
def test_decree_09_grid_links_the_month_in_progress_to_an_entry_page_that_opens(client, world):
    _decree_09(world)
    client.force_login(world.officer_a)
    page = client.get(reverse("reports:district", args=[world.sub_a.pk]) + "?period=2024-Q2")
    entry = reverse("activities:month_entry", args=[world.sub_a.pk, "2024-04"])
    assert entry in page.content.decode()
    assert client.get(entry).status_code == 200


@time_machine.travel(dt.datetime(2024, 3, 20, 9, 0, tzinfo=LOCAL), tick=False)
def test_calendar_plan_refuses_next_month_everywhere(client, world):
    sub = world.sub_a
    assert calendar.current_report_month(sub) == D(2024, 3, 1)
    assert calendar.is_future(sub, D(2024, 4, 1))
    client.force_login(world.officer_a)
    response = client.get(reverse("activities:month_entry", args=[sub.pk, "2024-04"]), follow=True)
    assert "Không thể nhập số liệu cho tháng chưa đến." in response.content.decode()


# --- Late means the same everywhere --------------------------------------------------------


def test_report_sent_half_past_midnight_after_the_deadline_is_late_everywhere(world):
    """Deadline 05/04/2024 for March. Sent at 00:30 on 06/04 local time — still 05/04 in
    UTC: late in the month list, the grid, the district's comparison and the PDF figures."""
    sent = dt.datetime(2024, 4, 6, 0, 30, tzinfo=LOCAL)
    report = month_report(world.sub_a, D(2024, 3, 1), SUBMITTED)
    report.submitted_at = sent
    report.save(update_fields=["submitted_at"])
    on = D(2024, 4, 20)

    months = activity_selectors.sub_agreement_months(sub_agreement=world.sub_a, today=on)
    march = next(item for item in months if item.month == D(2024, 3, 1))
    assert march.state == calendar.LATE and march.is_late

    scope = user_scope(world.staff)
    period = calendar.period_parse("2024-03", plan=world.plan)
    grid = selectors.completeness_grid(plan=world.plan, period=period, scope=scope, today=on)
    row = next(r for r in grid.rows if r.sub_agreement.pk == world.sub_a.pk)
    assert [cell.state for cell in row.cells] == [calendar.LATE]
    assert row.timeliness == 0

    comparison = selectors.district_comparison(
        plan=world.plan, period=period, scope=scope, today=on
    )
    district_row = next(r for r in comparison.rows if r.sub_agreement.pk == world.sub_a.pk)
    assert district_row.timeliness == 0 and district_row.completeness == 100


def test_report_sent_on_the_deadline_evening_is_on_time(world):
    sent = dt.datetime(2024, 4, 5, 23, 59, tzinfo=LOCAL)  # 16:59 UTC
    report = month_report(world.sub_a, D(2024, 3, 1), SUBMITTED)
    report.submitted_at = sent
    report.save(update_fields=["submitted_at"])
    months = activity_selectors.sub_agreement_months(
        sub_agreement=world.sub_a, today=D(2024, 4, 20)
    )
    march = next(item for item in months if item.month == D(2024, 3, 1))
    assert march.state == calendar.ON_TIME and not march.is_late


def test_late_units_count_only_months_missing_after_their_deadline(world):
    month_report(world.sub_a, D(2024, 3, 1), SUBMITTED)
    scope = user_scope(world.staff)
    # 05/04 is March's deadline: nothing is late yet for March on that day.
    late = activity_selectors.late_units(scope=scope, today=D(2024, 4, 5))
    overdue = {unit.sub_agreement.pk: unit.overdue_months for unit in late}
    assert D(2024, 3, 1) not in overdue.get(world.sub_b.pk, [])
    late = activity_selectors.late_units(scope=scope, today=D(2024, 4, 6))
    overdue = {unit.sub_agreement.pk: unit.overdue_months for unit in late}
    assert D(2024, 3, 1) in overdue[world.sub_b.pk]
    assert D(2024, 3, 1) not in overdue.get(world.sub_a.pk, [])


# --- One collation for unit names ----------------------------------------------------------


@pytest.fixture
def named_units(world):
    """Three more districts whose binary order differs from the Vietnamese one."""
    for code, name in (("Y", "Huyện Yên Thành"), ("D", "Huyện Đô Lương"), ("C", "Huyện Diễn Châu")):
        unit = f.OrgUnitFactory(code=code, name=name, parent=world.province)
        f.SubAgreementFactory(parent=world.plan, org_unit=unit)
    return world


def _names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


@time_machine.travel(dt.datetime(2024, 4, 20, 9, 0, tzinfo=LOCAL), tick=False)
def test_units_are_listed_in_vietnamese_order_on_dashboards_excel_and_pdf_pickers(
    client, named_units
):
    names = [
        "Huyện Anh Sơn",
        "Huyện Bình Thử",
        "Huyện Diễn Châu",
        "Huyện Đô Lương",
        "Huyện Yên Thành",
    ]
    assert sorted(names, key=vietnamese_key) == names
    client.force_login(named_units.staff)
    pages = {
        "dashboard": reverse("reports:province"),
        "excel import": reverse("activities:import_upload"),
        "excel export": reverse("activities:export"),
        "pdf": reverse("pdf:index"),
    }
    for label, url in pages.items():
        html = client.get(url).content.decode()
        assert all(name in html for name in names), label
        assert _names_in_order(html, names) == names, label


def test_by_unit_name_sorts_sub_agreements_the_vietnamese_way(named_units):
    ordered = [
        a.org_unit.name for a in by_unit_name(Agreement.objects.filter(parent__isnull=False))
    ]
    assert ordered.index("Huyện Đô Lương") < ordered.index("Huyện Yên Thành")
    assert ordered.index("Huyện Diễn Châu") < ordered.index("Huyện Đô Lương")


# --- One parser for keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03", calendar.Key(calendar.MONTH, 2024, 3)),
        ("2024-Q1", calendar.Key(calendar.QUARTER, 2024, 1)),
        ("2024-q3", calendar.Key(calendar.QUARTER, 2024, 3)),
        ("2024-H2", calendar.Key(calendar.HALF, 2024, 2)),
        ("2024", calendar.Key(calendar.YEAR, 2024)),
        (" plan ", calendar.Key(calendar.PLAN)),
        ("PLAN", calendar.Key(calendar.PLAN)),
        ("2024-13", None),
        ("2024-Q5", None),
        ("1999", None),
        ("２０２４", None),  # full-width digits are \d to re, not to a URL
        ("2024-0²", None),
        ("99999999999999999999-01", None),
        ("", None),
        (None, None),
    ],
)
def test_one_parser_reads_every_period_key(text, expected):
    assert calendar.parse_key(text) == expected


def test_month_key_parser_takes_months_only():
    assert calendar.parse_month_key("2024-03") == D(2024, 3, 1)
    assert calendar.parse_month_key("2024-Q1") is None
    assert calendar.parse_month_key("2024") is None


def test_excel_template_quarter_uses_the_calendar_key(client, world):
    client.force_login(world.officer_a)
    with time_machine.travel(dt.datetime(2024, 7, 20, 9, 0, tzinfo=LOCAL), tick=False):
        response = client.get(reverse("activities:import_template") + "?quarter=2024-q2")
    assert response.status_code == 200
    assert "2024-04_2024-06" in response["Content-Disposition"]


def test_rule_constants_match_the_plan_model():
    assert calendar.CALENDAR == Agreement.PeriodRule.CALENDAR
    assert calendar.DECREE_09 == Agreement.PeriodRule.DECREE_09
