"""Through the 2025 reform: district A ends on 30/06/2025 and becomes communes A1 and A2,
which report 07–12/2025 under the same plan; district B carries on to 30/06/2025 and has
no successor in the fixture. Figures before the change stay with A, after it with A1/A2;
totals add up whichever way the district table groups them; a stock is never counted twice;
completeness never exceeds 100 %."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agreements.models import Membership, OrgUnit, UnitSuccession
from agreements.selectors import user_scope
from core import calendar
from reports import selectors
from tests import factories as f
from tests.conftest import VIETNAM
from tests.reports_data import APPROVED, month_report

D = dt.date
AFTER = dt.datetime(2026, 2, 10, 10, 0, tzinfo=VIETNAM)  # the plan and its deadlines are over


@pytest.fixture
def reformed(world):
    communes = []
    for code, name in (("A1", "Xã Anh Một"), ("A2", "Phường Anh Hai")):
        unit = f.OrgUnitFactory(
            code=code,
            name=name,
            kind=OrgUnit.Kind.WARD if name.startswith("Phường") else OrgUnit.Kind.COMMUNE,
            parent=world.province,
            valid_from=D(2025, 7, 1),
        )
        UnitSuccession.objects.create(predecessor=world.unit_a, successor=unit, on=D(2025, 7, 1))
        sub = f.SubAgreementFactory(
            parent=world.plan, org_unit=unit, start_date=D(2025, 7, 1), end_date=D(2025, 12, 31)
        )
        communes.append(sub)
    world.unit_a.valid_to = D(2025, 6, 30)
    world.unit_a.save(update_fields=["valid_to"])
    world.communes = communes
    world.officer_a1 = f.UserFactory(username="doan.a1")
    f.MembershipFactory(
        user=world.officer_a1, org_unit=communes[0].org_unit, role=Membership.Role.DISTRICT_OFFICER
    )
    # District A: every month from 06/2023 to 06/2025, 10 patrols and a stock that grows.
    for index, month in enumerate(calendar.months_between(D(2023, 6, 1), D(2025, 6, 1))):
        month_report(
            world.sub_a, month, APPROVED, values={world.patrol: 10, world.vneid: 1000 + index}
        )
    # B stops in 06/2025 without successors in this fixture; it keeps its level.
    month_report(world.sub_b, D(2025, 6, 1), APPROVED, values={world.patrol: 7, world.vneid: 500})
    # The communes: 07–12/2025, 3 and 4 patrols a month, stocks 600 and 700 at the end.
    for sub, patrols, stock in ((communes[0], 3, 600), (communes[1], 4, 700)):
        for month in calendar.months_between(D(2025, 7, 1), D(2025, 12, 1)):
            month_report(sub, month, APPROVED, values={world.patrol: patrols, world.vneid: stock})
    return world


def _whole_plan(world):
    return calendar.period_parse("plan", plan=world.plan)


@time_machine.travel(AFTER, tick=False)
def test_province_total_is_the_same_by_unit_and_by_former_district(reformed):
    scope = user_scope(reformed.staff)
    period = _whole_plan(reformed)
    province = {
        row.indicator.code: row.achieved
        for row in selectors.province_progress(plan=reformed.plan, period=period, scope=scope).rows
    }
    # 25 months × 10 + 7 + 6 × (3 + 4) = 299 patrols.
    assert province["TUAN_TRA"] == 25 * 10 + 7 + 6 * (3 + 4)
    # The level at the end: A's accounts are now the communes'; B keeps its own.
    assert province["VNEID"] == 600 + 700 + 500
    codes = ["TUAN_TRA", "VNEID"]
    for grouping in (selectors.BY_UNIT, selectors.BY_FORMER_DISTRICT):
        comparison = selectors.district_comparison(
            plan=reformed.plan,
            period=period,
            scope=scope,
            indicator_codes=codes,
            grouping=grouping,
        )
        patrols = sum(row.cells[0].achieved or 0 for row in comparison.rows)
        assert patrols == province["TUAN_TRA"], grouping
    by_former = selectors.district_comparison(
        plan=reformed.plan,
        period=period,
        scope=scope,
        indicator_codes=codes,
        grouping=selectors.BY_FORMER_DISTRICT,
    )
    lines = {row.sub_agreement.org_unit.code: row for row in by_former.rows}
    assert set(lines) == {"A", "B"}
    anh_son = lines["A"]
    assert {s.org_unit.code for s in anh_son.members} == {"A", "A1", "A2"}
    assert anh_son.cells[0].achieved == 25 * 10 + 6 * (3 + 4)
    assert anh_son.cells[1].achieved == 600 + 700  # not A's 1024 as well
    assert sum(row.cells[1].achieved for row in by_former.rows) == province["VNEID"]


@time_machine.travel(AFTER, tick=False)
def test_a_year_before_the_reform_keeps_the_district_level(reformed):
    scope = user_scope(reformed.staff)
    period = calendar.period_parse("2024", plan=reformed.plan)
    rows = {
        row.indicator.code: row.achieved
        for row in selectors.province_progress(plan=reformed.plan, period=period, scope=scope).rows
    }
    # December 2024 is A's 19th month (index 18); B has not reported yet.
    assert rows["VNEID"] == 1000 + 18
    assert rows["TUAN_TRA"] == 12 * 10


@time_machine.travel(AFTER, tick=False)
def test_stock_trend_hands_over_from_the_district_to_its_communes(reformed):
    scope = user_scope(reformed.staff)
    trend = selectors.indicator_trend(
        plan=reformed.plan,
        indicator=reformed.vneid,
        period=calendar.period_parse("2025", plan=reformed.plan),
        scope=scope,
    )
    levels = {point.month: point.value for point in trend.points}
    assert levels[D(2025, 6, 1)] == 1000 + 24 + 500
    assert levels[D(2025, 7, 1)] == 600 + 700 + 500


@time_machine.travel(AFTER, tick=False)
def test_completeness_never_exceeds_100_percent_across_the_reform(reformed):
    scope = user_scope(reformed.staff)
    period = _whole_plan(reformed)
    grid = selectors.completeness_grid(plan=reformed.plan, period=period, scope=scope)
    for row in grid.rows:
        assert row.completeness is None or row.completeness <= 100
        outside = [cell for cell in row.cells if cell.state == calendar.OUTSIDE]
        # A commune's months before 07/2025 are outside its agreement, never "not due".
        if row.sub_agreement.org_unit.code in ("A1", "A2"):
            assert len(outside) == len(period.months) - 6
            assert row.completeness == Decimal(100)
    comparison = selectors.district_comparison(
        plan=reformed.plan, period=period, scope=scope, grouping=selectors.BY_FORMER_DISTRICT
    )
    anh_son = next(r for r in comparison.rows if r.sub_agreement.org_unit.code == "A")
    assert anh_son.completeness == Decimal(100)


@time_machine.travel(AFTER, tick=False)
def test_months_outside_a_units_life_read_not_part_of_the_agreement(client, reformed):
    client.force_login(reformed.staff)
    page = client.get(reverse("reports:district", args=[reformed.communes[0].pk])).content
    assert "Không thuộc thời gian thỏa thuận" in page.decode()


@time_machine.travel(AFTER, tick=False)
def test_province_page_groups_by_former_district_on_request(client, reformed):
    client.force_login(reformed.staff)
    page = client.get(reverse("reports:province") + "?group=former").content.decode()
    assert "Theo huyện cũ" in page
    assert "và 2 đơn vị hình thành từ huyện" in page


@time_machine.travel(AFTER, tick=False)
def test_a_commune_officer_sees_only_the_communes_months(client, reformed):
    client.force_login(reformed.officer_a1)
    own = reformed.communes[0]
    assert client.get(reverse("activities:month_list", args=[own.pk])).status_code == 200
    for other in (reformed.sub_a, reformed.communes[1], reformed.sub_b):
        assert client.get(reverse("activities:month_list", args=[other.pk])).status_code == 404
        assert client.get(reverse("reports:district", args=[other.pk])).status_code == 404
    report = own.monthly_reports.first()
    assert client.get(reverse("activities:report_detail", args=[report.pk])).status_code == 200
    district_report = reformed.sub_a.monthly_reports.first()
    url = reverse("activities:report_detail", args=[district_report.pk])
    assert client.get(url).status_code == 404


@time_machine.travel(dt.datetime(2025, 8, 20, 10, 0, tzinfo=VIETNAM), tick=False)
def test_a_commune_officer_enters_august_2025_and_the_district_cannot(client, reformed):
    client.force_login(reformed.officer_a1)
    url = reverse("activities:month_entry", args=[reformed.communes[0].pk, "2025-08"])
    assert client.get(url).status_code == 200
    client.force_login(reformed.officer_a)
    url = reverse("activities:month_entry", args=[reformed.sub_a.pk, "2025-08"])
    response = client.get(url, follow=True)
    assert "nằm ngoài thời hạn" in response.content.decode()


def _grow_units(world, count: int) -> None:
    """``count`` more communes formed from district A from 07/2025, each with a submitted
    and an approved month."""
    for n in range(count):
        unit = f.OrgUnitFactory(
            code=f"C{n}", name=f"Xã Thử {n}", kind=OrgUnit.Kind.COMMUNE, parent=world.province
        )
        UnitSuccession.objects.create(predecessor=world.unit_a, successor=unit, on=D(2025, 7, 1))
        sub = f.SubAgreementFactory(
            parent=world.plan, org_unit=unit, start_date=D(2025, 7, 1), end_date=D(2025, 12, 31)
        )
        month_report(sub, D(2025, 7, 1), APPROVED, values={world.patrol: n, world.vneid: 10})
        month_report(sub, D(2025, 8, 1), "submitted", values={world.patrol: 1})


@pytest.mark.parametrize("units", [21, 151])
@time_machine.travel(AFTER, tick=False)
def test_province_dashboard_and_inbox_queries_do_not_grow_with_units(
    client, world, django_assert_max_num_queries, units
):
    _grow_units(world, units - 2)  # the fixture's two districts, and the rest communes
    client.force_login(world.staff)
    # The whole province's figures and trends come from the plan-level rollups: queries for
    # totals, stock spans, the units' month spans and target sums, and the units a successor
    # took over; none returns a row per unit.
    for url, limit in (
        # + 1 each: whether the plan has sample months (the «Dữ liệu mẫu» label).
        (reverse("reports:province"), 35),
        (reverse("reports:province") + "?group=former", 37),
        (reverse("activities:review_inbox"), 16),
    ):
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


# --- Reviewing 130 units: by former district, clean months together ------------------------


@pytest.fixture
def waiting(reformed):
    """August 2025 waiting for review: both communes of A, and a commune formed from B."""
    reports = []
    for sub in reformed.communes:
        report = sub.monthly_reports.get(month=D(2025, 8, 1))
        report.status = "submitted"
        report.save(update_fields=["status"])
        reports.append(report)
    other = f.OrgUnitFactory(code="Z1", name="Xã Khác", kind=OrgUnit.Kind.COMMUNE)
    UnitSuccession.objects.create(predecessor=reformed.unit_b, successor=other, on=D(2025, 7, 1))
    other_sub = f.SubAgreementFactory(
        parent=reformed.plan, org_unit=other, start_date=D(2025, 7, 1), end_date=D(2025, 12, 31)
    )
    reports.append(month_report(other_sub, D(2025, 8, 1), "submitted", values={reformed.patrol: 1}))
    reformed.waiting = reports
    return reformed


@time_machine.travel(AFTER, tick=False)
def test_inbox_filters_by_former_district(client, waiting):
    client.force_login(waiting.staff)
    page = client.get(reverse("activities:review_inbox")).content.decode()
    row = '<th scope="row">{}</th>'.format
    assert row("Xã Khác") in page and row("Xã Anh Một") in page
    assert 'name="former"' in page
    url = reverse("activities:review_inbox") + f"?former={waiting.unit_a.pk}"
    page = client.get(url).content.decode()
    assert row("Xã Anh Một") in page and row("Phường Anh Hai") in page
    assert row("Xã Khác") not in page


def _bulk(client, reports, **extra):
    data = {"report": [str(r.pk) for r in reports], **extra}
    for report in reports:
        data[f"version_{report.pk}"] = str(report.version)
    return client.post(reverse("activities:review_approve_many"), data, follow=True)


@time_machine.travel(AFTER, tick=False)
def test_staff_approve_clean_months_together_with_an_audit_row_each(client, waiting):
    from audit.models import AuditEvent

    client.force_login(waiting.staff)
    chosen = waiting.waiting[:2]
    page = _bulk(client, chosen).content.decode()
    assert "Duyệt 2 tháng này?" in page  # the confirmation step first: nothing yet
    assert all(
        r.status == "submitted"
        for r in type(chosen[0]).objects.filter(pk__in=[c.pk for c in chosen])
    )
    page = _bulk(client, chosen, confirmed="1").content.decode()
    assert "Đã duyệt 2 tháng." in page
    for report in chosen:
        report.refresh_from_db()
        assert report.status == "approved"
        assert (
            AuditEvent.objects.filter(
                action="approve", object_type="monthly_report", object_id=str(report.pk)
            ).count()
            == 1
        )
    waiting.waiting[2].refresh_from_db()
    assert waiting.waiting[2].status == "submitted"


@time_machine.travel(AFTER, tick=False)
def test_bulk_approval_is_all_or_nothing(client, waiting):
    client.force_login(waiting.staff)
    first, second = waiting.waiting[:2]
    second.version += 5  # as if the officer had changed it since the inbox was shown
    page = _bulk(client, [first, second], confirmed="1").content.decode()
    assert "chưa tháng nào được duyệt" in page
    first.refresh_from_db()
    assert first.status == "submitted"


@time_machine.travel(AFTER, tick=False)
def test_officers_cannot_bulk_approve(client, waiting):
    client.force_login(waiting.officer_a1)
    response = _bulk(client, waiting.waiting[:1], confirmed="1")
    assert response.status_code == 403
