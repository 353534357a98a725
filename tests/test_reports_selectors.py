"""Dashboard figures on small hand-computed data sets. Every expected number below is worked
out by hand in the comments, from the figures the fixture enters."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from agreements.models import Agreement, Baseline
from agreements.selectors import user_scope
from core.calendar import period_parse
from core.text import vietnamese_key
from reports import selectors
from tests.reports_data import APPROVED, DRAFT, RETURNED, SUBMITTED, month_report, target

D = dt.date
TODAY = D(2024, 4, 20)  # calendar rule: March 2024 is the last closed month


@pytest.fixture
def q1(world):
    """Q1 2024 figures for districts A and B (plus some outside the quarter).

    A: Jan approved (patrol 10, VNeID 100, online 10/40), Feb approved (20, 120, 0/0),
       Mar approved (5, 90 — the stock went down, 30/60).
    B: Jan returned (100, 999, 50/50), Feb approved (8, 50, 1/50),
       Mar submitted (7, 70, 9/100), Apr approved (500, 5000), Dec 2023 draft (1000).
    Plan targets: patrol 250, VNeID 350 from a baseline of 100, online 70 % from 50 %."""
    w = world
    month_report(
        w.sub_a, D(2024, 1, 1), APPROVED, values={w.patrol: 10, w.vneid: 100, w.online: (10, 40)}
    )
    month_report(
        w.sub_a, D(2024, 2, 1), APPROVED, values={w.patrol: 20, w.vneid: 120, w.online: (0, 0)}
    )
    month_report(
        w.sub_a, D(2024, 3, 1), APPROVED, values={w.patrol: 5, w.vneid: 90, w.online: (30, 60)}
    )
    month_report(
        w.sub_b, D(2024, 1, 1), RETURNED, values={w.patrol: 100, w.vneid: 999, w.online: (50, 50)}
    )
    month_report(
        w.sub_b, D(2024, 2, 1), APPROVED, values={w.patrol: 8, w.vneid: 50, w.online: (1, 50)}
    )
    month_report(
        w.sub_b, D(2024, 3, 1), SUBMITTED, values={w.patrol: 7, w.vneid: 70, w.online: (9, 100)}
    )
    month_report(w.sub_b, D(2024, 4, 1), APPROVED, values={w.patrol: 500, w.vneid: 5000})
    month_report(w.sub_b, D(2023, 12, 1), DRAFT, values={w.patrol: 1000})
    target(w.plan, w.patrol, 250)
    target(w.plan, w.vneid, 350)
    target(w.plan, w.online, 70)
    Baseline.objects.create(agreement=w.plan, indicator=w.vneid, value=100, as_of=D(2023, 5, 23))
    Baseline.objects.create(agreement=w.plan, indicator=w.online, value=50, as_of=D(2023, 5, 23))
    w.q1 = period_parse("2024-Q1", plan=w.plan)
    return w


def _rows(report):
    return {row.indicator.code: row for row in report.rows}


def _progress(w, user=None, **kwargs):
    if "period" not in kwargs:
        kwargs["period"] = w.q1
    kwargs.setdefault("today", TODAY)
    return _rows(
        selectors.province_progress(plan=w.plan, scope=user_scope(user or w.leader), **kwargs)
    )


def test_flows_add_approved_months_of_all_districts(q1):
    # A 10 + 20 + 5, B Feb 8; B's returned January, submitted March, April (outside the
    # quarter) and the December draft do not count: 43.
    row = _progress(q1)["TUAN_TRA"]
    assert row.achieved == 43
    assert row.provisional is False


def test_returned_month_is_excluded_from_official_figures(q1):
    rows = _progress(q1)
    # B's returned January held patrol 100, VNeID 999 and 50/50 online: none of it shows.
    assert rows["TUAN_TRA"].achieved == 43
    assert rows["VNEID"].achieved == 140
    assert rows["DVC_TT"].denominator == 150


def test_provisional_toggle_adds_submitted_months_and_marks_them(q1):
    rows = _progress(q1, include_provisional=True)
    assert rows["TUAN_TRA"].achieved == 50  # + B's submitted March (7)
    assert rows["TUAN_TRA"].provisional is True
    assert rows["VNEID"].achieved == 160  # A's March 90 + B's submitted March 70
    assert rows["DVC_TT"].achieved == Decimal("20.00")  # (41 + 9) / (150 + 100)
    assert all(row.provisional for row in rows.values() if row.achieved is not None)


def test_stock_takes_each_units_latest_value_even_when_it_went_down(q1):
    # A reported 100, 120, then 90: its level is 90, not the maximum 120 nor a sum.
    # B's latest approved value in the quarter is February's 50. 90 + 50 = 140.
    assert _progress(q1)["VNEID"].achieved == 140


def test_ratio_divides_summed_numerators_by_summed_denominators(q1):
    row = _progress(q1)["DVC_TT"]
    # (10 + 0 + 30 + 1) / (40 + 0 + 60 + 50) = 41 / 150 = 27.33 %; the average of the
    # districts' rates (40 % and 2 %) would be 21 %, of the months' rates 25.67 %.
    assert (row.numerator, row.denominator) == (41, 150)
    assert row.achieved == Decimal("27.33")


def test_ratio_with_only_a_zero_denominator_has_no_value(world):
    month_report(world.sub_a, D(2024, 2, 1), APPROVED, values={world.online: (0, 0)})
    row = _progress(world, period=period_parse("2024-Q1", plan=world.plan))["DVC_TT"]
    assert row.achieved is None
    assert (row.numerator, row.denominator) == (0, 0)
    assert row.percent is None


def test_expected_value_and_status_per_aggregation_kind(q1):
    rows = _progress(q1)
    # 25 report months (06/2023–06/2025); Q1 2024 has closed by 20/04/2024.
    patrol = rows["TUAN_TRA"]
    assert patrol.target_plan == 250
    assert patrol.target_period == Decimal("30.00")  # 250 × 3 / 25
    assert patrol.expected == Decimal("30.00")
    assert patrol.percent == Decimal("143.3")  # 43 / 30
    assert patrol.status == selectors.ON_TRACK
    # A stock moves in a straight line from its baseline: 10 of 25 months to the end of
    # March → 100 + (350 − 100) × 10 / 25 = 200; 140 / 200 = 70 % → behind.
    vneid = rows["VNEID"]
    assert vneid.baseline == 100
    assert vneid.expected == Decimal("200.00")
    assert vneid.status == selectors.BEHIND
    # Ratio: 50 + (70 − 50) × 10 / 25 = 58 %; 27.33 / 58 = 47 % → behind.
    online = rows["DVC_TT"]
    assert online.expected == Decimal("58.00")
    assert online.status == selectors.BEHIND
    # No target at all: no status.
    assert rows["HOA_GIAI"].status == selectors.NO_TARGET


def test_yearly_targets_phase_the_expected_value(world):
    target(world.plan, world.patrol, 250)
    target(world.plan, world.patrol, 70, year=2023)  # 7 report months in 2023
    target(world.plan, world.patrol, 120, year=2024)  # 12
    target(world.plan, world.patrol, 60, year=2025)  # 6
    month_report(world.sub_a, D(2023, 6, 1), APPROVED, values={world.patrol: 70})
    report = selectors.province_progress(
        plan=world.plan,
        period=period_parse("plan", plan=world.plan),
        scope=user_scope(world.leader),
        today=D(2024, 2, 10),  # January 2024 is the last closed month
    )
    row = _rows(report)["TUAN_TRA"]
    # All of 2023 (70) + January's twelfth of 2024 (10) = 80; 70 / 80 = 87.5 % → at risk.
    assert row.expected == Decimal("80.00")
    assert row.target_period == 250
    assert row.target_year == 120
    assert report.target_year == 2024
    assert row.status == selectors.AT_RISK
    assert report.months_elapsed == 8


def test_decree_09_cut_off_closes_the_month_earlier(q1):
    # On 20/03/2024 the calendar closes February; Decree 09 (15th–14th) closes March.
    calendar = selectors.province_progress(
        plan=q1.plan, period=q1.q1, scope=user_scope(q1.leader), today=D(2024, 3, 20)
    )
    assert calendar.months_elapsed == 2
    assert _rows(calendar)["TUAN_TRA"].expected == Decimal("20.00")
    q1.plan.period_rule = Agreement.PeriodRule.DECREE_09
    q1.plan.save()
    period = period_parse("2024-Q1", plan=q1.plan)
    decree = selectors.province_progress(
        plan=q1.plan, period=period, scope=user_scope(q1.leader), today=D(2024, 3, 20)
    )
    assert decree.months_elapsed == 3
    assert _rows(decree)["TUAN_TRA"].expected == Decimal("30.00")
    assert period.start_date == D(2023, 12, 15)


@pytest.mark.parametrize(
    ("achieved", "expected", "status"),
    [
        (Decimal(100), Decimal(100), selectors.ON_TRACK),
        (Decimal(150), Decimal(100), selectors.ON_TRACK),
        (Decimal("99.99"), Decimal(100), selectors.AT_RISK),
        (Decimal(80), Decimal(100), selectors.AT_RISK),
        (Decimal("79.99"), Decimal(100), selectors.BEHIND),
        (None, Decimal(10), selectors.BEHIND),
        (Decimal(5), None, selectors.NO_TARGET),
        (Decimal(5), Decimal(0), selectors.NO_TARGET),
    ],
)
def test_status_thresholds(achieved, expected, status):
    assert selectors.progress_status(achieved, expected) == status


def test_unit_that_ends_mid_period_is_expected_only_for_its_own_months(q1):
    q1.sub_b.end_date = D(2024, 2, 29)
    q1.sub_b.save()
    target(q1.sub_b, q1.patrol, 90)
    report = selectors.province_progress(
        plan=q1.plan, period=q1.q1, scope=user_scope(q1.leader), district=q1.sub_b, today=TODAY
    )
    row = _rows(report)["TUAN_TRA"]
    # B reports 06/2023–02/2024: 9 months. Q1 holds two of them: 90 × 2 / 9 = 20.
    assert report.months_in_plan == 9
    assert row.target_period == Decimal("20.00")
    assert row.expected == Decimal("20.00")
    assert row.achieved == 8  # February only (January returned)
    assert row.status == selectors.BEHIND


@pytest.fixture
def grid_world(world):
    """Q1 2024, deadline the 5th of the following month.
    A: Jan submitted 03/02 (on time), Feb approved but submitted 10/03 (late), Mar nothing.
    B: ends 29/02/2024; Jan returned, Feb draft."""
    w = world
    month_report(w.sub_a, D(2024, 1, 1), SUBMITTED, on=D(2024, 2, 3))
    month_report(w.sub_a, D(2024, 2, 1), APPROVED, on=D(2024, 3, 10))
    month_report(w.sub_b, D(2024, 1, 1), RETURNED, on=D(2024, 2, 1))
    month_report(w.sub_b, D(2024, 2, 1), DRAFT)
    w.sub_b.end_date = D(2024, 2, 29)
    w.sub_b.save()
    return w


def _grid(w, today):
    return selectors.completeness_grid(
        plan=w.plan,
        period=period_parse("2024-Q1", plan=w.plan),
        scope=user_scope(w.leader),
        today=today,
    )


def test_completeness_grid_states_and_rates(grid_world):
    grid = _grid(grid_world, D(2024, 4, 20))
    rows = {row.sub_agreement.pk: row for row in grid.rows}
    a, b = rows[grid_world.sub_a.pk], rows[grid_world.sub_b.pk]
    assert [c.state for c in a.cells] == ["on_time", "late", "missing"]
    # B ended in February: March is outside its agreement, so it cannot move the rates.
    assert [c.state for c in b.cells] == ["returned", "missing", "outside"]
    assert (a.due, a.completeness, a.timeliness) == (3, Decimal("66.7"), Decimal("33.3"))
    assert (b.due, b.completeness, b.timeliness) == (2, Decimal("0.0"), Decimal("0.0"))
    # All: 2 of 5 due months submitted, 1 on time.
    assert (grid.due, grid.completeness, grid.timeliness) == (5, Decimal("40.0"), Decimal("20.0"))
    assert a.cells[0].report_id is not None and a.cells[2].report_id is None


def test_month_before_its_deadline_is_not_due(grid_world):
    # On 03/04/2024 March's deadline (05/04) has not passed.
    grid = _grid(grid_world, D(2024, 4, 3))
    a = next(row for row in grid.rows if row.sub_agreement.pk == grid_world.sub_a.pk)
    assert [c.state for c in a.cells] == ["on_time", "late", "not_due"]
    assert (a.completeness, a.timeliness) == (Decimal("100.0"), Decimal("50.0"))


def test_rates_never_exceed_100_percent_when_units_close(grid_world):
    grid = _grid(grid_world, D(2026, 1, 1))
    for row in [*grid.rows]:
        assert row.completeness is None or row.completeness <= 100
        assert row.timeliness is None or row.timeliness <= 100


def test_district_comparison_uses_each_districts_own_targets_and_sorts(q1):
    target(q1.sub_a, q1.patrol, 125)
    target(q1.sub_b, q1.patrol, 125)

    def compare(sort):
        return selectors.district_comparison(
            plan=q1.plan,
            period=q1.q1,
            scope=user_scope(q1.leader),
            indicator_codes=["TUAN_TRA"],
            sort=sort,
            today=TODAY,
        )

    by_name = compare("name")
    a, b = by_name.rows
    assert a.sub_agreement == q1.sub_a and b.sub_agreement == q1.sub_b
    # Each expects 125 × 3 / 25 = 15 in the quarter. A did 35 (233 %), B 8 (53 %).
    assert a.cells[0].expected == Decimal("15.00") and a.cells[0].achieved == 35
    assert a.status == selectors.ON_TRACK
    assert b.cells[0].achieved == 8 and b.status == selectors.BEHIND
    assert [r.sub_agreement for r in compare("status").rows] == [q1.sub_b, q1.sub_a]
    assert [r.sub_agreement for r in compare("-TUAN_TRA").rows] == [q1.sub_a, q1.sub_b]
    assert [r.sub_agreement for r in compare("-name").rows] == [q1.sub_b, q1.sub_a]


def test_province_target_that_differs_from_district_targets_is_flagged(q1):
    target(q1.sub_a, q1.patrol, 125)
    target(q1.sub_b, q1.patrol, 100)
    row = _progress(q1)["TUAN_TRA"]
    assert row.district_target_sum == 225
    assert row.target_mismatch is True


def test_flow_trend_with_month_on_month_and_year_on_year_change(world):
    for month, value in ((D(2023, 6, 1), 10), (D(2024, 5, 1), 12), (D(2024, 6, 1), 15)):
        month_report(world.sub_a, month, APPROVED, values={world.patrol: value})
    target(world.plan, world.patrol, 250)
    trend = selectors.indicator_trend(
        plan=world.plan,
        indicator=world.patrol,
        period=period_parse("2024", plan=world.plan),
        scope=user_scope(world.leader),
        today=D(2024, 7, 20),
    )
    points = {p.month: p for p in trend.points}
    june = points[D(2024, 6, 1)]
    assert june.value == 15
    assert june.month_on_month == Decimal("25.0")  # (15 − 12) / 12
    assert june.year_on_year == Decimal("50.0")  # (15 − 10) / 10
    assert june.target == Decimal("10.00")  # 250 / 25 a month
    assert points[D(2024, 1, 1)].value is None
    assert max(points) == D(2024, 7, 1)  # the current month, nothing later


def test_stock_trend_carries_each_units_level_forward(q1):
    trend = selectors.indicator_trend(
        plan=q1.plan, indicator=q1.vneid, period=q1.q1, scope=user_scope(q1.leader), today=TODAY
    )
    # Jan: A 100 (B's January was returned) → 100; Feb: A 120 + B 50 = 170;
    # Mar: A 90 + B still 50 (its March is only submitted) = 140.
    assert [p.value for p in trend.points] == [100, 170, 140]
    assert trend.points[2].month_on_month == Decimal("-17.6")


def test_district_user_gets_only_their_district(q1):
    rows = _progress(q1, user=q1.officer_a)
    assert rows["TUAN_TRA"].achieved == 35  # A's figures only
    scope = user_scope(q1.officer_a)
    with pytest.raises(Http404):
        selectors.district_get(plan=q1.plan, pk=q1.sub_b.pk, scope=scope)
    with pytest.raises(Http404):
        selectors.province_progress(plan=q1.plan, period=q1.q1, scope=scope, district=q1.sub_b)
    grid = selectors.completeness_grid(plan=q1.plan, period=q1.q1, scope=scope, today=TODAY)
    assert [row.sub_agreement for row in grid.rows] == [q1.sub_a]
    comparison = selectors.district_comparison(plan=q1.plan, period=q1.q1, scope=scope)
    assert [row.sub_agreement for row in comparison.rows] == [q1.sub_a]


def test_district_due_lists_missing_and_returned_months(grid_world):
    due = selectors.district_due(sub_agreement=grid_world.sub_b, today=D(2024, 4, 20))
    states = {item.month: item.state for item in due.due}
    assert states[D(2024, 1, 1)] == "returned"
    assert states[D(2024, 2, 1)] == "missing"
    assert D(2024, 3, 1) not in states  # after B's end
    assert [r.month for r in due.returned] == [D(2024, 1, 1)]


def test_home_page_figures_match_the_dashboard(q1):
    achievement = {
        row.indicator.code: row.achieved
        for row in selectors.plan_achievement(plan=q1.plan, scope=user_scope(q1.leader))
    }
    whole = _progress(q1, period=period_parse("plan", plan=q1.plan))
    assert achievement == {code: row.achieved for code, row in whole.items()}
    # Whole plan: A 35 + B Feb 8 + B Apr 500 = 543.
    assert achievement["TUAN_TRA"] == 543


def test_districts_are_listed_in_vietnamese_alphabetical_order():
    names = ["Huyện Yên Thành", "Huyện Đô Lương", "Huyện Diễn Châu", "Huyện Anh Sơn", "Huyện Ân"]
    assert sorted(names, key=vietnamese_key) == [
        "Huyện Anh Sơn",
        "Huyện Ân",
        "Huyện Diễn Châu",
        "Huyện Đô Lương",
        "Huyện Yên Thành",
    ]


def test_trends_of_all_indicators_match_each_indicators_trend(q1, django_assert_max_num_queries):
    scope = user_scope(q1.leader)
    with django_assert_max_num_queries(7):
        trends = selectors.indicator_trends(plan=q1.plan, period=q1.q1, scope=scope, today=TODAY)
    assert [t.indicator for t in trends] == q1.indicators
    for trend in trends:
        single = selectors.indicator_trend(
            plan=q1.plan, indicator=trend.indicator, period=q1.q1, scope=scope, today=TODAY
        )
        assert trend.points == single.points
    online = {p.month: p.value for p in trends[3].points}
    # January: 10/40 (B's returned 50/50 left out); February: 0/0 + 1/50 = 2 %.
    assert online == {
        D(2024, 1, 1): Decimal("25.00"),
        D(2024, 2, 1): Decimal("2.00"),
        D(2024, 3, 1): Decimal("50.00"),
    }
