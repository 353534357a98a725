"""Model objects and the reports selectors' dataclasses as the API's JSON. Nothing here
computes a figure: each number is a field of reports.results, converted from Decimal to a
JSON number, so the API, the dashboards and the PDFs print the same values."""

import datetime as dt
from decimal import Decimal

from activities.models import MonthlyReport
from activities.selectors import MonthStatus
from agreements.models import Agreement, OrgUnit
from core.calendar import Period
from reports.results import (
    CompletenessGrid,
    DistrictComparison,
    IndicatorProgress,
    ProgressReport,
)


def number(value: Decimal | int | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return float(value)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def unit_ref(unit: OrgUnit) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def plan(agreement: Agreement) -> dict:
    return {
        "id": agreement.pk,
        "code": agreement.code,
        "number": agreement.number,
        "title": agreement.title,
        "signed_on": agreement.signed_on,
        "place": agreement.place,
        "start_date": agreement.start_date,
        "end_date": agreement.end_date,
        "status": agreement.status,
        "period_rule": agreement.period_rule,
        "submission_deadline_day": agreement.submission_deadline_day,
        "unit_id": agreement.org_unit_id,
    }


def unit(org_unit: OrgUnit) -> dict:
    return {
        "id": org_unit.pk,
        "code": org_unit.code,
        "name": org_unit.name,
        "kind": org_unit.kind,
        "parent_id": org_unit.parent_id,
        "valid_from": org_unit.valid_from,
        "valid_to": org_unit.valid_to,
        "successors": [
            {**_link(link.successor), "on": link.on, "basis": link.basis}
            for link in org_unit.succession_links.all()
        ],
        "predecessors": [
            {**_link(link.predecessor), "on": link.on, "basis": link.basis}
            for link in org_unit.predecession_links.all()
        ],
    }


def _link(other: OrgUnit) -> dict:
    return {"unit_id": other.pk, "code": other.code, "name": other.name}


def sub_agreement(agreement: Agreement) -> dict:
    return {
        "id": agreement.pk,
        "code": agreement.code,
        "number": agreement.number,
        "title": agreement.title,
        "plan_id": agreement.parent_id,
        "unit": unit_ref(agreement.org_unit),
        "start_date": agreement.start_date,
        "end_date": agreement.end_date,
        "status": agreement.status,
    }


def report(monthly_report: MonthlyReport) -> dict:
    sub = monthly_report.sub_agreement
    return {
        "id": monthly_report.pk,
        "sub_agreement_id": sub.pk,
        "unit_id": sub.org_unit_id,
        "unit_name": sub.org_unit.name,
        "month": month_key(monthly_report.month),
        "status": monthly_report.status,
        "version": monthly_report.version,
        "narrative": monthly_report.narrative,
        "return_reason": monthly_report.return_reason,
        "submitted_at": monthly_report.submitted_at,
        "reviewed_at": monthly_report.reviewed_at,
        "updated_at": monthly_report.updated_at,
        "is_sample": monthly_report.is_sample,
        "values": {
            value.indicator.code: {
                "value": value.value,
                "numerator": value.numerator,
                "denominator": value.denominator,
                "comment": value.comment,
            }
            for value in sorted(
                monthly_report.values.all(),
                key=lambda v: (v.indicator.order, v.indicator.code),
            )
        },
    }


def month_state(status: MonthStatus) -> dict:
    return {
        "month": month_key(status.month),
        "deadline": status.deadline,
        "state": status.state,
        "report_id": status.report.pk if status.report else None,
        "status": status.status,
        "version": status.report.version if status.report else None,
    }


def period(value: Period) -> dict:
    return {
        "key": value.key,
        "kind": value.kind,
        "label": str(value.label),
        "first_month": month_key(value.first_month),
        "last_month": month_key(value.last_month),
        "start_date": value.start_date,
        "end_date": value.end_date,
    }


def progress(row: IndicatorProgress) -> dict:
    indicator = row.indicator
    return {
        "indicator_code": indicator.code,
        "indicator_name": indicator.name,
        "unit": indicator.unit,
        "aggregation": indicator.aggregation,
        "baseline": number(row.baseline),
        "target_plan": number(row.target_plan),
        "target_year": number(row.target_year),
        "target_period": number(row.target_period),
        "expected": number(row.expected),
        "achieved": number(row.achieved),
        "numerator": row.numerator,
        "denominator": row.denominator,
        "percent": number(row.percent),
        "percent_of_expected": number(row.percent_of_expected),
        "status": row.status,
        "provisional": row.provisional,
        "district_target_sum": number(row.district_target_sum),
        "target_mismatch": row.target_mismatch,
    }


def province_figures(result: ProgressReport) -> dict:
    return {
        "plan_id": result.plan.pk,
        "period": period(result.period),
        "sub_agreement_id": result.district.pk if result.district else None,
        "as_of": result.as_of,
        "last_closed_month": month_key(result.last_closed_month),
        "figures_to": month_key(result.figures_to),
        "target_year": result.target_year,
        "months_in_plan": result.months_in_plan,
        "months_elapsed": result.months_elapsed,
        "provisional": result.include_provisional,
        "status_counts": result.status_counts,
        "tasks": [
            {
                "task_order": group.task.order,
                "task_name": group.task.name,
                "rows": [progress(row) for row in group.rows],
            }
            for group in result.tasks
        ],
    }


def district_figures(result: DistrictComparison, *, plan_id: int) -> dict:
    return {
        "plan_id": plan_id,
        "period": period(result.period),
        "as_of": result.as_of,
        "provisional": result.include_provisional,
        "grouping": result.grouping,
        "sort": result.sort,
        "indicators": [indicator.code for indicator in result.indicators],
        "rows": [
            {
                "sub_agreement_id": row.sub_agreement.pk,
                "unit": unit_ref(row.sub_agreement.org_unit),
                "members": [member.pk for member in row.members],
                "status": row.status,
                "completeness": number(row.completeness),
                "timeliness": number(row.timeliness),
                "cells": [progress(cell) for cell in row.cells],
            }
            for row in result.rows
        ],
    }


def completeness(result: CompletenessGrid, *, plan_id: int) -> dict:
    return {
        "plan_id": plan_id,
        "period": period(result.period),
        "as_of": result.as_of,
        "months": [month_key(m) for m in result.months],
        "counts": result.counts,
        "due": result.due,
        "completeness": number(result.completeness),
        "timeliness": number(result.timeliness),
        "rows": [
            {
                "sub_agreement_id": row.sub_agreement.pk,
                "unit": unit_ref(row.sub_agreement.org_unit),
                "counts": row.counts,
                "due": row.due,
                "completeness": number(row.completeness),
                "timeliness": number(row.timeliness),
                "cells": [
                    {
                        "month": month_key(cell.month),
                        "state": cell.state,
                        "report_id": cell.report_id,
                        "report_status": cell.report_status,
                        "deadline": cell.deadline,
                    }
                    for cell in row.cells
                ],
            }
            for row in result.rows
        ],
    }
