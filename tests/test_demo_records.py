"""Sample activity records for the demo: behind the latest approved sample months, marked as
sample data, never more than a month's figure, replaced on a second run, real records kept."""

import datetime as dt

from django.db.models import Sum

from activities.models import MonthlyReport
from agreements.selectors import user_scope
from records.demo import MONTHS_PER_UNIT, SAMPLE_MARK, demo_records
from records.models import ActivityRecord, RecordAmount
from records.selectors import evidence_coverage
from tests import factories as f
from tests.records_helpers import add_record, seed_record_types


def _approved_months(world, sub, months, *, value=5, sample=True):
    for month in months:
        report = f.MonthlyReportFactory(
            sub_agreement=sub, month=month, status=MonthlyReport.Status.APPROVED, is_sample=sample
        )
        f.ActivityValueFactory(report=report, indicator=world.patrol, value=value)
        f.ActivityValueFactory(report=report, indicator=world.mediation, value=1)


def test_sample_records_back_the_latest_approved_months_without_exceeding_them(world):
    seed_record_types()
    months = [dt.date(2024, m, 1) for m in range(1, 7)]
    _approved_months(world, world.sub_a, months)
    _approved_months(world, world.sub_b, months[:2])
    real = add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 12))

    count = demo_records(plan=world.plan)

    sample = ActivityRecord.objects.filter(description__startswith=SAMPLE_MARK)
    assert count == sample.count() > 0
    months_a = set(sample.filter(sub_agreement=world.sub_a).values_list("month", flat=True))
    assert months_a == set(months[-MONTHS_PER_UNIT:])
    assert set(sample.filter(sub_agreement=world.sub_b).values_list("month", flat=True)) == set(
        months[:2]
    )
    # Each dated within its month (the plan's calendar-month rule) and not after today.
    assert all(r.date.replace(day=1) == r.month and r.date <= dt.date(2025, 1, 15) for r in sample)
    sums = (
        RecordAmount.objects.filter(record__in=sample)
        .values("record__sub_agreement", "record__month", "indicator")
        .annotate(total=Sum("amount"))
    )
    for row in sums:
        limit = 5 if row["indicator"] == world.patrol.pk else 1
        assert 1 <= row["total"] <= limit
    coverage = evidence_coverage(scope=user_scope(world.leader), plan=world.plan)
    assert all(cell is None or cell.covered > 0 for cell in coverage.totals)

    assert demo_records(plan=world.plan) == count  # replaced, not added
    assert ActivityRecord.objects.filter(description__startswith=SAMPLE_MARK).count() == count
    assert ActivityRecord.objects.filter(pk=real.pk).exists()


def test_real_months_get_no_sample_records(world):
    seed_record_types()
    _approved_months(world, world.sub_a, [dt.date(2024, 3, 1)], sample=False)
    assert demo_records(plan=world.plan) == 0
