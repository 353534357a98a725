"""The API's figures are the dashboards' figures: the same selectors (reports.selectors),
so for the same period the numbers and statuses are identical — a quarter, a year and the
whole plan. The figure endpoints carry an ETag and answer 304 when it still matches."""

import datetime as dt
from decimal import Decimal

import pytest

from agreements.models import Membership
from agreements.selectors import user_scope
from core.calendar import period_parse
from reports import selectors
from tests.api_helpers import call, service_token
from tests.reports_data import APPROVED, SUBMITTED, month_report, target


@pytest.fixture
def figures_world(world):
    for year in (2023, 2024, 2025):
        target(world.plan, world.patrol, 240, year)
        target(world.sub_a, world.patrol, 120, year)
        target(world.sub_b, world.patrol, 120, year)
    target(world.plan, world.vneid, 5000)
    target(world.plan, world.online, 80)
    target(world.sub_a, world.mediation, 30)
    for number in range(1, 13):
        month = dt.date(2024, number, 1)
        for sub, base in ((world.sub_a, 10), (world.sub_b, 7)):
            month_report(
                sub,
                month,
                APPROVED if number % 4 else SUBMITTED,
                values={
                    world.patrol: base + number,
                    world.mediation: number % 3,
                    world.vneid: 100 * number + base,
                    world.online: (number, 20),
                },
            )
    return world


def _number(value):
    return None if value is None else float(value)


def _same_progress(api_row: dict, row) -> None:
    assert api_row["indicator_code"] == row.indicator.code
    for name in (
        "baseline",
        "target_plan",
        "target_year",
        "target_period",
        "expected",
        "achieved",
        "percent",
        "percent_of_expected",
        "district_target_sum",
    ):
        assert api_row[name] == _number(getattr(row, name)), (row.indicator.code, name)
    assert (api_row["numerator"], api_row["denominator"]) == (row.numerator, row.denominator)
    assert api_row["status"] == row.status
    assert api_row["provisional"] == row.provisional


@pytest.mark.parametrize("period_key", ["2024-Q2", "2024", "plan"])
@pytest.mark.parametrize("provisional", [False, True])
def test_api_figures_equal_the_dashboards(figures_world, client, period_key, provisional):
    world = figures_world
    token, secret = service_token(world, Membership.Role.LEADERSHIP, world.province)
    scope = user_scope(token.user)
    period = period_parse(period_key, plan=world.plan)
    flag = "true" if provisional else "false"
    query = f"?period={period_key}&provisional={flag}"

    province = call(client, "GET", f"/figures/province{query}", secret).json()
    expected = selectors.province_progress(
        plan=world.plan, period=period, scope=scope, include_provisional=provisional
    )
    assert province["period"]["key"] == period.key
    assert province["months_elapsed"] == expected.months_elapsed
    assert province["status_counts"] == expected.status_counts
    api_rows = [row for task in province["tasks"] for row in task["rows"]]
    assert len(api_rows) == len(expected.rows) == 4
    for api_row, row in zip(api_rows, expected.rows, strict=True):
        _same_progress(api_row, row)
    assert any(row.achieved for row in expected.rows)

    districts = call(client, "GET", f"/figures/districts{query}", secret).json()
    comparison = selectors.district_comparison(
        plan=world.plan, period=period, scope=scope, include_provisional=provisional
    )
    assert districts["indicators"] == [i.code for i in comparison.indicators]
    for api_row, row in zip(districts["rows"], comparison.rows, strict=True):
        assert api_row["sub_agreement_id"] == row.sub_agreement.pk
        assert api_row["status"] == row.status
        assert api_row["completeness"] == _number(row.completeness)
        assert api_row["timeliness"] == _number(row.timeliness)
        for api_cell, cell in zip(api_row["cells"], row.cells, strict=True):
            _same_progress(api_cell, cell)

    grid = call(client, "GET", f"/figures/completeness?period={period_key}", secret).json()
    expected_grid = selectors.completeness_grid(plan=world.plan, period=period, scope=scope)
    assert grid["counts"] == expected_grid.counts
    assert grid["completeness"] == _number(expected_grid.completeness)
    assert grid["timeliness"] == _number(expected_grid.timeliness)
    assert grid["months"] == [f"{m:%Y-%m}" for m in expected_grid.months]
    for api_row, row in zip(grid["rows"], expected_grid.rows, strict=True):
        assert api_row["counts"] == row.counts
        assert [c["state"] for c in api_row["cells"]] == [c.state for c in row.cells]


def test_one_districts_figures_equal_its_dashboard(figures_world, client):
    world = figures_world
    token, secret = service_token(world, Membership.Role.DISTRICT_VIEWER, world.unit_a)
    scope = user_scope(token.user)
    period = period_parse("2024", plan=world.plan)
    body = call(
        client, "GET", f"/figures/province?period=2024&sub_agreement={world.sub_a.pk}", secret
    ).json()
    expected = selectors.province_progress(
        plan=world.plan, period=period, scope=scope, district=world.sub_a
    )
    api_rows = [row for task in body["tasks"] for row in task["rows"]]
    for api_row, row in zip(api_rows, expected.rows, strict=True):
        _same_progress(api_row, row)
    assert body["sub_agreement_id"] == world.sub_a.pk


def test_figures_carry_an_etag_and_answer_304_until_a_figure_changes(figures_world, client):
    world = figures_world
    _, secret = service_token(world, Membership.Role.PROVINCIAL_STAFF, world.province)
    path = "/figures/province?period=2024"
    first = call(client, "GET", path, secret)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = call(client, "GET", path, secret, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert call(client, "GET", path, secret, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # Approving a submitted month changes the official figures, so the tag.
    report = world.sub_a.monthly_reports.get(month=dt.date(2024, 4, 1))
    approved = call(
        client, "POST", f"/reports/{report.pk}/approve", secret, {"version": report.version}
    )
    assert approved.status_code == 200
    changed = call(client, "GET", path, secret, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    for other in ("/figures/districts", "/figures/completeness"):
        tagged = call(client, "GET", other, secret)
        assert (
            call(client, "GET", other, secret, HTTP_IF_NONE_MATCH=tagged["ETag"]).status_code == 304
        )


def test_figures_are_json_numbers_from_the_decimals(figures_world, client):
    _, secret = service_token(figures_world, Membership.Role.LEADERSHIP, figures_world.province)
    body = call(client, "GET", "/figures/province?period=2024", secret).json()
    online = next(r for t in body["tasks"] for r in t["rows"] if r["indicator_code"] == "DVC_TT")
    assert (
        Decimal(str(online["achieved"]))
        == Decimal(sum(n for n in range(1, 13) if n % 4) * 2) / Decimal(20 * 9 * 2) * 100
    )
