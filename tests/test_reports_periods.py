import datetime as dt

import pytest

from agreements.models import Agreement
from core.calendar import (
    CALENDAR,
    DECREE_09,
    last_closed_month,
    month_dates,
    period_choices,
    period_for,
    period_parse,
    report_month_of,
)

D = dt.date


@pytest.mark.parametrize(
    ("key", "kind", "first", "last"),
    [
        ("2024-03", "month", D(2024, 3, 1), D(2024, 3, 1)),
        ("2024-Q1", "quarter", D(2024, 1, 1), D(2024, 3, 1)),
        ("2024-Q4", "quarter", D(2024, 10, 1), D(2024, 12, 1)),
        ("2024-H2", "half", D(2024, 7, 1), D(2024, 12, 1)),
        ("2024", "year", D(2024, 1, 1), D(2024, 12, 1)),
    ],
)
def test_period_keys_name_their_report_months(world, key, kind, first, last):
    period = period_parse(key, plan=world.plan)
    assert (period.kind, period.first_month, period.last_month) == (kind, first, last)
    assert period.key == key


def test_whole_plan_is_the_default_period(world):
    for key in (None, "", "plan"):
        period = period_parse(key, plan=world.plan)
        assert period.kind == "plan"
        # The plan runs 23/05/2023 – 31/12/2025.
        assert (period.first_month, period.last_month) == (D(2023, 5, 1), D(2025, 12, 1))
        assert len(period.months) == 32


@pytest.mark.parametrize("key", ["2024-13", "2024-Q5", "2024-H3", "24-Q1", "abc", "1999"])
def test_malformed_period_keys_are_refused(world, key):
    assert period_parse(key, plan=world.plan) is None


def test_calendar_periods_run_from_the_first_to_the_last_day():
    quarter = period_for("quarter", year=2024, number=1, rule=CALENDAR)
    assert (quarter.start_date, quarter.end_date) == (D(2024, 1, 1), D(2024, 3, 31))
    assert month_dates(D(2024, 2, 1), CALENDAR) == (D(2024, 2, 1), D(2024, 2, 29))


def test_decree_09_periods_run_from_the_15th_to_the_14th():
    # Decree 09/2019 art. 12: month 15/(M-1)–14/M; quarter from the 15th of the month before
    # it; 6 months 15/12–14/6 and 15/6–14/12; year 15/12–14/12.
    assert month_dates(D(2024, 3, 1), DECREE_09) == (D(2024, 2, 15), D(2024, 3, 14))
    quarter = period_for("quarter", year=2024, number=1, rule=DECREE_09)
    assert (quarter.start_date, quarter.end_date) == (D(2023, 12, 15), D(2024, 3, 14))
    first_half = period_for("half", year=2024, number=1, rule=DECREE_09)
    assert (first_half.start_date, first_half.end_date) == (D(2023, 12, 15), D(2024, 6, 14))
    second_half = period_for("half", year=2024, number=2, rule=DECREE_09)
    assert (second_half.start_date, second_half.end_date) == (D(2024, 6, 15), D(2024, 12, 14))
    year = period_for("year", year=2024, rule=DECREE_09)
    assert (year.start_date, year.end_date) == (D(2023, 12, 15), D(2024, 12, 14))
    assert year.date_range == "15/12/2023 – 14/12/2024"


def test_decree_09_moves_the_current_and_last_closed_month():
    # On 20/03 the calendar month in progress is March; under Decree 09 it is April's
    # (15/03–14/04), so March has already closed.
    assert report_month_of(D(2024, 3, 20), CALENDAR) == D(2024, 3, 1)
    assert report_month_of(D(2024, 3, 20), DECREE_09) == D(2024, 4, 1)
    assert report_month_of(D(2024, 3, 14), DECREE_09) == D(2024, 3, 1)
    assert last_closed_month(D(2024, 3, 20), CALENDAR) == D(2024, 2, 1)
    assert last_closed_month(D(2024, 3, 20), DECREE_09) == D(2024, 3, 1)
    assert last_closed_month(D(2024, 1, 10), DECREE_09) == D(2023, 12, 1)


def test_period_parse_uses_the_plans_rule(world):
    world.plan.period_rule = Agreement.PeriodRule.DECREE_09
    period = period_parse("2024-Q1", plan=world.plan)
    assert period.rule == DECREE_09
    assert period.start_date == D(2023, 12, 15)


def test_period_choices_cover_the_plan(world):
    keys = [p.key for p in period_choices(plan=world.plan)]
    assert keys[0] == "plan"
    assert {"2023", "2024", "2025", "2023-H1", "2025-H2", "2023-Q2", "2025-Q4"} <= set(keys)
    assert "2023-Q1" not in keys  # before the plan began (23/05/2023)
    assert "2023-05" in keys and "2025-12" in keys and "2026-01" not in keys
