"""What the API reads and writes, as pydantic schemas (the OpenAPI schema is built from
them). Figures are JSON numbers: counts as integers, targets, percentages and rates with at
most two decimals (exactly the Decimal the dashboards print). Months are ``YYYY-MM``."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

# Database ids: BigAutoField, so anything above 2^63 − 1 cannot exist (and would overflow).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PERIOD_PATTERN = r"^(plan|[0-9]{4}(-((0[1-9]|1[0-2])|Q[1-4]|H[12]))?)$"
CODE_PATTERN = r"^[A-Za-z0-9_]{1,32}$"
# Bounds the write path enforces itself (activities.services.figure_errors), documented
# here but not checked by pydantic, so a refusal carries the same Vietnamese message as the
# form and the Excel import.
FIGURE_BOUNDS = {"minimum": 0, "maximum": 10**12}


class Page(Schema):
    count: int
    limit: int
    offset: int


class PlanOut(Schema):
    id: int
    code: str
    number: str
    title: str
    signed_on: dt.date | None
    place: str
    start_date: dt.date
    end_date: dt.date
    status: str
    period_rule: str
    submission_deadline_day: int
    unit_id: int


class TaskOut(Schema):
    id: int
    order: int
    name: str


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    unit: str
    aggregation: str
    task_order: int
    numerator_label: str
    denominator_label: str
    order: int


class UnitLinkOut(Schema):
    unit_id: int
    code: str
    name: str
    on: dt.date
    basis: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successors: list[UnitLinkOut]
    predecessors: list[UnitLinkOut]


class UnitPage(Page):
    items: list[UnitOut]


class UnitRef(Schema):
    id: int
    code: str
    name: str


class SubAgreementOut(Schema):
    id: int
    code: str
    number: str
    title: str
    plan_id: int
    unit: UnitRef
    start_date: dt.date
    end_date: dt.date
    status: str


class SubAgreementPage(Page):
    items: list[SubAgreementOut]


class TargetOut(Schema):
    id: int
    agreement_id: int
    indicator_code: str
    year: int | None
    value: float


class TargetPage(Page):
    items: list[TargetOut]


class BaselineOut(Schema):
    id: int
    agreement_id: int
    indicator_code: str
    value: float
    as_of: dt.date
    note: str


class BaselinePage(Page):
    items: list[BaselineOut]


class FigureOut(Schema):
    value: int | None
    numerator: int | None
    denominator: int | None
    comment: str


class ReportOut(Schema):
    id: int
    sub_agreement_id: int
    unit_id: int
    unit_name: str
    month: str = Field(pattern=MONTH_PATTERN)
    status: str
    version: int
    narrative: str
    return_reason: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    updated_at: dt.datetime
    is_sample: bool
    values: dict[str, FigureOut]


class ReportPage(Page):
    items: list[ReportOut]


class MonthStateOut(Schema):
    month: str = Field(pattern=MONTH_PATTERN)
    deadline: dt.date
    state: str
    report_id: int | None
    status: str
    version: int | None


class FigureIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: StrictInt | None = Field(None, json_schema_extra=FIGURE_BOUNDS)
    numerator: StrictInt | None = Field(None, json_schema_extra=FIGURE_BOUNDS)
    denominator: StrictInt | None = Field(None, json_schema_extra=FIGURE_BOUNDS)
    comment: str = Field("", json_schema_extra={"maxLength": 500})


class MonthIn(Schema):
    """A month's figures by indicator code. ``version`` is the version you read (0 for a
    month that has no report yet); an indicator left out keeps its figure, one given with
    every field empty is cleared. ``submit`` submits the month in the same step: if the
    submission is refused, nothing is saved."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, le=2**31 - 1)
    values: dict[Annotated[str, Field(pattern=CODE_PATTERN)], FigureIn] = Field(
        default_factory=dict, max_length=500
    )
    narrative: str | None = Field(None, max_length=10_000)
    submit: bool = False


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, le=2**31 - 1)


class ReasonIn(VersionIn):
    reason: str = Field(max_length=2000)


# --- Dashboard figures (reports.results, field for field) --------------------------------


class PeriodOut(Schema):
    key: str
    kind: str
    label: str
    first_month: str
    last_month: str
    start_date: dt.date
    end_date: dt.date


class ProgressOut(Schema):
    indicator_code: str
    indicator_name: str
    unit: str
    aggregation: str
    baseline: float | None
    target_plan: float | None
    target_year: float | None
    target_period: float | None
    expected: float | None
    achieved: float | None
    numerator: int | None
    denominator: int | None
    percent: float | None
    percent_of_expected: float | None
    status: str
    provisional: bool
    district_target_sum: float | None
    target_mismatch: bool


class TaskProgressOut(Schema):
    task_order: int
    task_name: str
    rows: list[ProgressOut]


class ProvinceFiguresOut(Schema):
    plan_id: int
    period: PeriodOut
    sub_agreement_id: int | None
    as_of: dt.date
    last_closed_month: str
    figures_to: str
    target_year: int
    months_in_plan: int
    months_elapsed: int
    provisional: bool
    status_counts: dict[str, int]
    tasks: list[TaskProgressOut]


class DistrictRowOut(Schema):
    sub_agreement_id: int
    unit: UnitRef
    members: list[int]
    status: str
    completeness: float | None
    timeliness: float | None
    cells: list[ProgressOut]


class DistrictFiguresOut(Schema):
    plan_id: int
    period: PeriodOut
    as_of: dt.date
    provisional: bool
    grouping: str
    sort: str
    indicators: list[str]
    rows: list[DistrictRowOut]


class GridCellOut(Schema):
    month: str
    state: str
    report_id: int | None
    report_status: str | None
    deadline: dt.date | None


class GridRowOut(Schema):
    sub_agreement_id: int
    unit: UnitRef
    counts: dict[str, int]
    due: int
    completeness: float | None
    timeliness: float | None
    cells: list[GridCellOut]


class CompletenessOut(Schema):
    plan_id: int
    period: PeriodOut
    as_of: dt.date
    months: list[str]
    counts: dict[str, int]
    due: int
    completeness: float | None
    timeliness: float | None
    rows: list[GridRowOut]
