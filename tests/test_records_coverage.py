"""Evidence coverage: the share of each approved figure that activity records stand behind,
month by month (records beyond the figure cover it fully, never more), per unit and
indicator, in one aggregate query."""

import datetime as dt

import pytest
from django.urls import reverse

from activities.models import ActivityValue, MonthlyReport
from agreements.selectors import user_scope
from records.selectors import evidence_coverage
from tests import factories as f
from tests.records_helpers import add_record

pytestmark = pytest.mark.django_db


def report(sub_agreement, month, status, **values):
    report = f.MonthlyReportFactory(sub_agreement=sub_agreement, month=month, status=status)
    for indicator, value in values.items():
        ActivityValue.objects.create(report=report, indicator=indicator, value=value)
    return report


def cell(table, sub_agreement, indicator):
    row = next(r for r in table.rows if r.sub_agreement_id == sub_agreement.pk)
    return row.cells[table.indicators.index(indicator)]


def test_coverage_is_min_of_records_and_figure_month_by_month(world):
    march, april, may = dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)
    # March: 10 shifts reported, 4 recorded. April: 2 reported, 5 recorded (covers 2, not 5).
    approved = MonthlyReport.Status.APPROVED
    for values, month in (({world.patrol: 10}, march), ({world.patrol: 2}, april)):
        r = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=month, status=approved)
        for indicator, value in values.items():
            ActivityValue.objects.create(report=r, indicator=indicator, value=value)
    # May is only submitted: not counted.
    r = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=may, status="submitted")
    ActivityValue.objects.create(report=r, indicator=world.patrol, value=50)
    for day in (2, 3, 4):
        add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, day))
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 5), amounts={world.patrol.pk: 1})
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 4, 5), amounts={world.patrol.pk: 5})
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 5, 5), amounts={world.patrol.pk: 9})
    # B: 8 mediations approved, none recorded.
    r = f.MonthlyReportFactory(sub_agreement=world.sub_b, month=march, status=approved)
    ActivityValue.objects.create(report=r, indicator=world.mediation, value=8)

    table = evidence_coverage(scope=user_scope(world.leader), plan=world.plan)
    assert [i.code for i in table.indicators] == ["TUAN_TRA", "HOA_GIAI"]
    a_patrol = cell(table, world.sub_a, world.patrol)
    assert (a_patrol.reported, a_patrol.covered, a_patrol.percent) == (12, 6, 50)
    b_mediation = cell(table, world.sub_b, world.mediation)
    assert (b_mediation.reported, b_mediation.covered, b_mediation.percent) == (8, 0, 0)
    assert cell(table, world.sub_b, world.patrol) is None
    total = table.totals[table.indicators.index(world.patrol)]
    assert (total.reported, total.covered) == (12, 6)

    # A district officer sees only their unit.
    own = evidence_coverage(scope=user_scope(world.officer_a), plan=world.plan)
    assert [row.sub_agreement_id for row in own.rows] == [world.sub_a.pk]


@pytest.mark.parametrize("units", [2, 12])
def test_the_coverage_page_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, units
):
    subs = [world.sub_a, world.sub_b] + [
        f.SubAgreementFactory(parent=world.plan) for _ in range(units - 2)
    ]
    for sub in subs:
        for month in (dt.date(2024, 3, 1), dt.date(2024, 4, 1)):
            r = f.MonthlyReportFactory(sub_agreement=sub, month=month, status="approved")
            ActivityValue.objects.create(report=r, indicator=world.patrol, value=4)
            ActivityValue.objects.create(report=r, indicator=world.mediation, value=1)
            add_record(world.staff, sub, day=month.replace(day=3))
    client.force_login(world.leader)
    with django_assert_max_num_queries(COVERAGE_QUERIES):
        body = client.get(reverse("records:coverage")).content.decode()
    assert "Mức độ có căn cứ" in body
    assert body.count("25 %") == units + 1  # each unit's patrol shifts, and the total


# Session, user, roles, the plan and the switcher (3), then the units, the indicators, one
# aggregate; the bell; the session saved.
COVERAGE_QUERIES = 11
