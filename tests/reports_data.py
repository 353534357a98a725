"""Helpers that build monthly figures for the dashboard tests."""

import datetime as dt

from django.utils import timezone

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import Agreement, Target

APPROVED, SUBMITTED, RETURNED, DRAFT = "approved", "submitted", "returned", "draft"


def submitted_on(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def month_report(
    sub: Agreement,
    month: dt.date,
    status: str = APPROVED,
    *,
    on: dt.date | None = None,
    values: dict | None = None,
) -> MonthlyReport:
    """A report for ``sub`` and ``month`` with ``values`` {indicator: value or (num, den)},
    submitted ``on`` a day (default: the 3rd of the next month, before the deadline)."""
    if on is None and status != DRAFT:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 3)
        on = following
    report = MonthlyReport.objects.create(
        sub_agreement=sub,
        month=month,
        status=status,
        submitted_at=submitted_on(on) if on else None,
    )
    rows = []
    for indicator, value in (values or {}).items():
        if isinstance(value, tuple):
            rows.append(
                ActivityValue(
                    report=report, indicator=indicator, numerator=value[0], denominator=value[1]
                )
            )
        else:
            rows.append(ActivityValue(report=report, indicator=indicator, value=value))
    ActivityValue.objects.bulk_create(rows)
    # Written past the services: bring the rollups in line as every write path does.
    rollups_refresh(report_ids=[report.pk])
    return report


def target(agreement: Agreement, indicator, value, year: int | None = None) -> Target:
    return Target.objects.create(agreement=agreement, indicator=indicator, year=year, value=value)
