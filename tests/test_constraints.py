"""The data rules hold in the database itself, whatever code writes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from activities.models import ActivityValue, MonthlyReport
from tests import factories as f


def test_a_district_cannot_have_two_reports_for_the_same_month(world):
    MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)


def test_the_same_month_is_fine_for_another_district(world):
    MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    MonthlyReport.objects.create(sub_agreement=world.sub_b, month=world.month)
    assert MonthlyReport.objects.filter(month=world.month).count() == 2


def test_a_month_is_stored_by_its_first_day(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(sub_agreement=world.sub_a, month=dt.date(2024, 3, 15))


def test_database_rejects_a_negative_value(world):
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityValue.objects.create(report=report, indicator=world.patrol, value=-1)
    assert not ActivityValue.objects.exists()


def test_database_rejects_a_negative_value_written_by_a_bulk_update(world):
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    ActivityValue.objects.create(report=report, indicator=world.patrol, value=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityValue.objects.update(value=-5)
    assert ActivityValue.objects.get().value == 3


def test_database_rejects_numerator_above_denominator(world):
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityValue.objects.create(
            report=report, indicator=world.online, numerator=11, denominator=10
        )


def test_one_value_per_indicator_per_report(world):
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=world.month)
    ActivityValue.objects.create(report=report, indicator=world.patrol, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityValue.objects.create(report=report, indicator=world.patrol, value=2)


def test_an_agreement_cannot_end_before_it_starts(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.PlanFactory(start_date=dt.date(2024, 1, 1), end_date=dt.date(2023, 1, 1))


def test_one_sub_agreement_per_district_under_a_plan(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.SubAgreementFactory(parent=world.plan, org_unit=world.unit_a)
