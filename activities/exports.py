"""Templates to fill in and exports of approved figures, in the import's own format so that a
file exported from the portal can be imported back unchanged."""

import datetime as dt
from dataclasses import dataclass

from activities.models import ActivityValue
from activities.selectors import approved_values
from activities.spreadsheet import month_text, row_key
from agreements.models import Agreement, Indicator
from agreements.selectors import sub_agreement_list
from core import calendar
from core.scope import UserScope
from core.text import by_unit_name

MAX_MONTHS = 36


@dataclass(frozen=True)
class FigureRow:
    unit_code: str
    unit_name: str
    indicator_code: str
    indicator_name: str
    measure: str
    month: dt.date
    value: int | None
    numerator: int | None
    denominator: int | None
    comment: str

    def as_cells(self) -> dict:
        return {
            "key": row_key(self.unit_code, self.indicator_code, self.month),
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "indicator_code": self.indicator_code,
            "indicator_name": self.indicator_name,
            "measure": self.measure,
            "month": month_text(self.month),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "comment": self.comment,
        }


def editable_sub_agreements(*, scope: UserScope, plan: Agreement) -> list[Agreement]:
    """Sub-agreements whose figures the user may enter (their own district, or all for
    staff), in Vietnamese order of their unit."""
    queryset = sub_agreement_list(scope=scope).filter(parent=plan)
    if not scope.can_review:
        queryset = queryset.filter(org_unit_id__in=scope.officer_unit_ids)
    return by_unit_name(queryset)


def template_rows(
    *, sub_agreements: list[Agreement], plan: Agreement, first: dt.date, last: dt.date
) -> list[FigureRow]:
    """One row per district × month × indicator for the reportable months in [first, last],
    pre-filled with the figures already saved for that month. Two queries."""
    indicators = list(Indicator.objects.filter(plan=plan).order_by("task__order", "order", "code"))
    months_by_agreement = {
        agreement.pk: [m for m in calendar.reporting_months(agreement) if first <= m <= last]
        for agreement in sub_agreements
    }
    saved = {
        (v.report.sub_agreement_id, v.report.month, v.indicator_id): v
        for v in ActivityValue.objects.filter(
            report__sub_agreement__in=sub_agreements,
            report__month__gte=first,
            report__month__lte=last,
        ).select_related("report")
    }
    rows = []
    for agreement in sub_agreements:
        for month in months_by_agreement[agreement.pk]:
            for indicator in indicators:
                value = saved.get((agreement.pk, month, indicator.pk))
                rows.append(
                    FigureRow(
                        unit_code=agreement.org_unit.code,
                        unit_name=agreement.org_unit.name,
                        indicator_code=indicator.code,
                        indicator_name=indicator.name,
                        measure=indicator.unit,
                        month=month,
                        value=value.value if value else None,
                        numerator=value.numerator if value else None,
                        denominator=value.denominator if value else None,
                        comment=value.comment if value else "",
                    )
                )
    return rows


def approved_figures(
    *,
    scope: UserScope,
    plan: Agreement,
    first: dt.date,
    last: dt.date,
    sub_agreement_ids: list[int] | None = None,
    task_id: int | None = None,
) -> list[FigureRow]:
    """Approved figures by district × month × indicator in [first, last], limited to what the
    user may read, optionally for one district or one task of the plan. One query."""
    readable = sub_agreement_list(scope=scope).filter(parent=plan)
    if sub_agreement_ids:
        readable = readable.filter(pk__in=sub_agreement_ids)
    values = approved_values().filter(
        report__sub_agreement__in=readable,
        report__month__gte=first,
        report__month__lte=last,
    )
    if task_id:
        values = values.filter(indicator__task_id=task_id)
    return [
        FigureRow(
            unit_code=v.report.sub_agreement.org_unit.code,
            unit_name=v.report.sub_agreement.org_unit.name,
            indicator_code=v.indicator.code,
            indicator_name=v.indicator.name,
            measure=v.indicator.unit,
            month=v.report.month,
            value=v.value,
            numerator=v.numerator,
            denominator=v.denominator,
            comment=v.comment,
        )
        for v in values
    ]
