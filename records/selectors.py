"""Reads of activity records. Each answers in a fixed number of queries, whatever the number
of records, units or months."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Least
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.utils.translation import ngettext

from activities.models import ActivityValue, MonthlyReport
from activities.prefill import Suggestion
from agreements.models import Agreement, Indicator
from agreements.selectors import sub_agreement_list
from core import calendar
from core.scope import UserScope
from core.text import by_unit_name, nfc
from records.models import ActivityRecord, Attachment, RecordAmount, RecordType
from records.search import fold

PAGE_SIZE = 25
MAX_SEARCH = 100


def _parse_id(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 12:
        return None
    return int(text)


@dataclass(frozen=True)
class RecordFilters:
    """The list's filters, as they travel in the URL."""

    q: str = ""
    record_type: int | None = None
    month: dt.date | None = None
    indicator: int | None = None
    unit: int | None = None  # a sub-agreement id

    def querystring(self, **extra) -> str:
        params = {
            "q": self.q,
            "type": self.record_type or "",
            "month": self.month.strftime("%Y-%m") if self.month else "",
            "indicator": self.indicator or "",
            "unit": self.unit or "",
            **extra,
        }
        return urlencode({key: value for key, value in params.items() if value})


def record_filters_parse(data: QueryDict) -> RecordFilters:
    """Filters from the query string; anything malformed is dropped, never an error."""
    return RecordFilters(
        q=nfc(data.get("q", ""))[:MAX_SEARCH],
        record_type=_parse_id(data.get("type")),
        month=calendar.parse_month_key(data.get("month")),
        indicator=_parse_id(data.get("indicator")),
        unit=_parse_id(data.get("unit")),
    )


@dataclass(frozen=True)
class AmountRow:
    indicator_id: int
    code: str
    name: str
    unit: str
    amount: int


@dataclass(frozen=True)
class AttachmentRow:
    pk: int
    name: str
    kind: str
    size: int
    is_image: bool
    has_thumbnail: bool


@dataclass(frozen=True)
class RecordRow:
    pk: int
    sub_agreement_id: int
    unit_name: str
    record_type: str
    date: dt.date
    month: dt.date
    place: str
    participants: int | None
    description: str
    amounts: tuple[AmountRow, ...]
    attachments: tuple[AttachmentRow, ...]
    created_by: str


def _records_in_scope(scope: UserScope) -> QuerySet[ActivityRecord]:
    queryset = ActivityRecord.objects.all()
    if not scope.sees_all:
        queryset = queryset.filter(sub_agreement__org_unit_id__in=scope.district_unit_ids)
    return queryset


def _with_details(queryset: QuerySet[ActivityRecord]) -> QuerySet[ActivityRecord]:
    return queryset.select_related(
        "record_type", "sub_agreement__org_unit", "created_by"
    ).prefetch_related(
        Prefetch(
            "amounts",
            queryset=RecordAmount.objects.select_related("indicator").order_by(
                "indicator__task__order", "indicator__order", "indicator__code"
            ),
        ),
        Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
    )


def _row(record: ActivityRecord) -> RecordRow:
    user = record.created_by
    return RecordRow(
        pk=record.pk,
        sub_agreement_id=record.sub_agreement_id,
        unit_name=record.sub_agreement.org_unit.name,
        record_type=record.record_type.name,
        date=record.date,
        month=record.month,
        place=record.place,
        participants=record.participants,
        description=record.description,
        amounts=tuple(
            AmountRow(
                a.indicator_id, a.indicator.code, a.indicator.name, a.indicator.unit, a.amount
            )
            for a in record.amounts.all()
        ),
        attachments=tuple(
            AttachmentRow(a.pk, a.original_name, a.kind, a.size, a.is_image, bool(a.thumbnail))
            for a in record.attachments.all()
        ),
        created_by=(user.get_full_name() or user.get_username()) if user else "",
    )


def record_queryset(
    *, scope: UserScope, plan: Agreement, filters: RecordFilters
) -> QuerySet[ActivityRecord]:
    """The records the user may read in the plan, filtered; newest first."""
    queryset = _records_in_scope(scope).filter(sub_agreement__parent=plan)
    if filters.unit:
        queryset = queryset.filter(sub_agreement_id=filters.unit)
    if filters.record_type:
        queryset = queryset.filter(record_type_id=filters.record_type)
    if filters.month:
        queryset = queryset.filter(month=filters.month)
    if filters.indicator:
        queryset = queryset.filter(amounts__indicator_id=filters.indicator)
    for word in fold(filters.q).split()[:8]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset.order_by("-date", "-id")


@dataclass(frozen=True)
class RecordPage:
    rows: list[RecordRow]
    page: object  # django.core.paginator.Page (numbers, has_next…)
    total: int


def record_page(
    *, scope: UserScope, plan: Agreement, filters: RecordFilters, page: str | None
) -> RecordPage:
    """One page of the list: a count, the page's records, their amounts and attachments —
    four queries, whatever the number of records."""
    paginator = Paginator(
        _with_details(record_queryset(scope=scope, plan=plan, filters=filters)), PAGE_SIZE
    )
    current = paginator.get_page(page)
    return RecordPage(
        rows=[_row(record) for record in current.object_list],
        page=current,
        total=paginator.count,
    )


# The export stops here: a plan's 130 units logging every patrol shift for three years stay
# below it, and a filter narrows anything larger.
MAX_EXPORT_ROWS = 50_000


def record_rows(*, scope: UserScope, plan: Agreement, filters: RecordFilters) -> list[RecordRow]:
    """The filtered records (at most ``MAX_EXPORT_ROWS``), for the export: three queries."""
    queryset = _with_details(record_queryset(scope=scope, plan=plan, filters=filters))
    return [_row(record) for record in queryset[:MAX_EXPORT_ROWS]]


def record_get(*, pk: int, scope: UserScope) -> ActivityRecord:
    """A record the user may read, or 404 (also for another unit's record)."""
    record = (
        _records_in_scope(scope)
        .select_related("record_type", "sub_agreement__org_unit", "sub_agreement__parent")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    return record


def record_detail(*, pk: int, scope: UserScope) -> RecordRow:
    record = _with_details(_records_in_scope(scope)).filter(pk=pk).first()
    if record is None:
        raise Http404
    return _row(record)


def attachment_get(*, pk: int, scope: UserScope) -> Attachment:
    """An attachment whose record the user may read, or 404."""
    queryset = Attachment.objects.select_related("record__sub_agreement")
    if not scope.sees_all:
        queryset = queryset.filter(record__sub_agreement__org_unit_id__in=scope.district_unit_ids)
    attachment = queryset.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def record_type_choices() -> list[RecordType]:
    return list(RecordType.objects.filter(active=True).order_by("order", "name"))


def counted_indicators(*, plan: Agreement) -> list[Indicator]:
    """The plan's indicators a record can count toward: the flows (sum)."""
    return list(
        Indicator.objects.filter(plan=plan, aggregation=Indicator.Aggregation.SUM)
        .select_related("task")
        .order_by("task__order", "order", "code")
    )


# --- The month: suggestions for the entry page, evidence for the review page ----------------


def month_suggestions(sub_agreement: Agreement, month: dt.date) -> list[Suggestion]:
    """Per indicator, the sum of the month's records and how many records it adds up: one
    query (the provider activities.prefill asks for)."""
    totals = (
        RecordAmount.objects.filter(
            record__sub_agreement=sub_agreement,
            record__month=month,
            indicator__aggregation=Indicator.Aggregation.SUM,
        )
        .values("indicator_id")
        .annotate(total=Sum("amount"), records=Count("record_id", distinct=True))
        .order_by("indicator_id")
    )
    return [
        Suggestion(
            indicator_id=row["indicator_id"],
            value=row["total"],
            sources=row["records"],
            label=ngettext("from %(count)s activity", "from %(count)s activities", row["records"])
            % {"count": row["records"]},
        )
        for row in totals
    ]


def month_records(*, sub_agreement: Agreement, month: dt.date) -> list[RecordRow]:
    """The records behind one month (three queries)."""
    queryset = ActivityRecord.objects.filter(sub_agreement=sub_agreement, month=month)
    return [_row(record) for record in _with_details(queryset).order_by("date", "id")]


def month_evidence_html(sub_agreement: Agreement, month: dt.date) -> str:
    """The review page's section on the month's records (activities.prefill's evidence)."""
    rows = month_records(sub_agreement=sub_agreement, month=month)
    return render_to_string(
        "records/_month_evidence.html",
        {"records": rows, "sub_agreement": sub_agreement, "month": month},
    )


# --- Evidence coverage -----------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageCell:
    reported: int
    covered: int

    @property
    def percent(self) -> int | None:
        """The share of the reported figure with records behind it, in whole per cent."""
        if not self.reported:
            return None
        return round(100 * self.covered / self.reported)


@dataclass(frozen=True)
class CoverageRow:
    sub_agreement_id: int
    unit_name: str
    cells: tuple[CoverageCell | None, ...]


@dataclass(frozen=True)
class CoverageTable:
    indicators: list[Indicator]
    rows: list[CoverageRow]
    totals: tuple[CoverageCell | None, ...]


def evidence_coverage(*, scope: UserScope, plan: Agreement) -> CoverageTable:
    """Per unit and counted indicator, over the approved months: the reported figure and the
    part of it with records behind it, min(records' sum, figure) month by month — a month
    with more records than its figure covers it fully, never more. Three queries (the units,
    the indicators, one aggregate)."""
    indicators = counted_indicators(plan=plan)
    units = by_unit_name(sub_agreement_list(scope=scope).filter(parent=plan))
    evidence = (
        RecordAmount.objects.filter(
            record__sub_agreement_id=OuterRef("report__sub_agreement_id"),
            record__month=OuterRef("report__month"),
            indicator_id=OuterRef("indicator_id"),
        )
        .values("indicator_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    values = ActivityValue.objects.filter(
        report__sub_agreement__parent=plan,
        report__status=MonthlyReport.Status.APPROVED,
        indicator__aggregation=Indicator.Aggregation.SUM,
        value__gt=0,
    )
    if not scope.sees_all:
        values = values.filter(report__sub_agreement__org_unit_id__in=scope.district_unit_ids)
    totals = (
        values.annotate(
            evidence=Coalesce(
                Subquery(evidence, output_field=BigIntegerField()),
                0,
                output_field=BigIntegerField(),
            )
        )
        .values("report__sub_agreement_id", "indicator_id")
        .annotate(
            reported=Sum("value"),
            covered=Sum(Least(F("evidence"), F("value"), output_field=BigIntegerField())),
        )
        .order_by()
    )
    found = {
        (row["report__sub_agreement_id"], row["indicator_id"]): CoverageCell(
            int(row["reported"]), int(row["covered"])
        )
        for row in totals
    }
    rows = [
        CoverageRow(
            sub_agreement_id=unit.pk,
            unit_name=unit.org_unit.name,
            cells=tuple(found.get((unit.pk, indicator.pk)) for indicator in indicators),
        )
        for unit in units
    ]
    column_totals = []
    for index, _indicator in enumerate(indicators):
        cells = [row.cells[index] for row in rows if row.cells[index] is not None]
        column_totals.append(
            CoverageCell(sum(c.reported for c in cells), sum(c.covered for c in cells))
            if cells
            else None
        )
    return CoverageTable(indicators=indicators, rows=rows, totals=tuple(column_totals))
