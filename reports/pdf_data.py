"""The figures a PDF document prints, gathered in one place.

This adapter is the only module of the PDF feature that reads the database for figures: the
whole-plan provincial totals come from ``reports.selectors.plan_achievement`` (the selector the
home page and dashboards use), and the period and per-district sums are computed here with the
same rules (flows add up; stocks take each unit's latest value, then add units; ratios divide
summed numerators by summed denominators). When the dashboard selectors land, repoint the
functions below to them and the documents follow.

Everything returned is a frozen dataclass: the draft page, the PDF and the "what changed"
comparison all read the same object, so they cannot disagree.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from activities.models import ActivityValue, MonthlyReport
from activities.selectors import deadline
from agreements.models import Agreement, Baseline, Indicator, Target
from agreements.selectors import UserScope, sub_agreement_list
from cooperation.months import add_months, month_start, months_between
from reports.selectors import plan_achievement

Aggregation = Indicator.Aggregation
Status = MonthlyReport.Status

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class Kind:
    PROVINCIAL = "provincial"
    DISTRICT = "district"
    FINAL = "final"
    CHOICES = (PROVINCIAL, DISTRICT, FINAL)


# --- Periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period: ``month`` (number 1–12), ``quarter`` (1–4), ``half`` (1–2),
    ``year`` or the whole ``plan``. Its key ("2024-Q3") travels in URLs and is stored."""

    kind: str
    year: int | None = None
    number: int | None = None

    KINDS = ("month", "quarter", "half", "year", "plan")

    @classmethod
    def parse(cls, key: str) -> "Period":
        """``2024-03``, ``2024-Q3``, ``2024-H1``, ``2024`` or ``plan``; ValueError otherwise."""
        key = (key or "").strip().upper()
        if key == "PLAN":
            return cls("plan")
        try:
            if len(key) == 4:
                return cls("year", int(key))
            year, rest = key.split("-")
            year_number = int(year)
            if rest.startswith("Q") and 1 <= int(rest[1:]) <= 4:
                return cls("quarter", year_number, int(rest[1:]))
            if rest.startswith("H") and 1 <= int(rest[1:]) <= 2:
                return cls("half", year_number, int(rest[1:]))
            if 1 <= int(rest) <= 12:
                return cls("month", year_number, int(rest))
        except (ValueError, IndexError):
            pass
        raise ValueError(f"Not a period: {key!r}")

    @property
    def key(self) -> str:
        if self.kind == "plan":
            return "plan"
        if self.kind == "year":
            return str(self.year)
        prefix = {"month": "", "quarter": "Q", "half": "H"}[self.kind]
        number = f"{self.number:02d}" if self.kind == "month" else str(self.number)
        return f"{self.year}-{prefix}{number}"

    def bounds(self, plan_months: list[dt.date]) -> tuple[dt.date, dt.date]:
        """First and last month of the period (the plan's own months for ``plan``)."""
        if self.kind == "plan":
            return plan_months[0], plan_months[-1]
        if self.kind == "month":
            first = dt.date(self.year, self.number, 1)
            return first, first
        if self.kind == "quarter":
            first = dt.date(self.year, 3 * self.number - 2, 1)
            return first, add_months(first, 2)
        if self.kind == "half":
            first = dt.date(self.year, 6 * self.number - 5, 1)
            return first, add_months(first, 5)
        return dt.date(self.year, 1, 1), dt.date(self.year, 12, 1)

    def label(self, plan: Agreement | None = None) -> str:
        """How the period is named in a Vietnamese report ("quý III/2024")."""
        if self.kind == "month":
            return f"tháng {self.number}/{self.year}"
        if self.kind == "quarter":
            return f"quý {ROMAN[self.number]}/{self.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        if self.kind == "year":
            return f"năm {self.year}"
        if plan is not None:
            return f"giai đoạn {plan.start_date.year} – {plan.end_date.year}"
        return "toàn giai đoạn"


# --- Figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFigure:
    task_order: int
    task_name: str
    code: str
    name: str
    unit: str
    aggregation: str
    baseline: Decimal | None
    target: Decimal | None
    achieved: Decimal | None
    percent: Decimal | None
    status: str  # on_track / at_risk / behind / no_target
    by_year: tuple[tuple[int, Decimal | None], ...] = ()

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == Aggregation.RATIO

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    "on_track": "Đạt tiến độ",
    "at_risk": "Cần cố gắng",
    "behind": "Chậm",
    "no_target": "Chưa có chỉ tiêu",
}


@dataclass(frozen=True)
class DistrictFigure:
    sub_agreement_id: int
    name: str
    months_due: int
    months_submitted: int
    missing_months: tuple[dt.date, ...]
    # indicator code → (achieved, period target, percent)
    cells: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )

    @property
    def completeness(self) -> Decimal | None:
        if not self.months_due:
            return None
        return _percent(Decimal(self.months_submitted), Decimal(self.months_due))

    @property
    def indicators_met(self) -> int:
        return sum(1 for _a, _t, pct in self.cells.values() if pct is not None and pct >= 100)

    @property
    def indicators_with_target(self) -> int:
        return sum(1 for _a, _t, pct in self.cells.values() if pct is not None)


@dataclass(frozen=True)
class TaskGroup:
    order: int
    name: str
    indicators: tuple[IndicatorFigure, ...]


@dataclass(frozen=True)
class DocumentFigures:
    kind: str
    plan: Agreement
    sub_agreement: Agreement | None
    period: Period
    first_month: dt.date
    last_month: dt.date
    indicators: tuple[IndicatorFigure, ...]
    districts: tuple[DistrictFigure, ...]
    years: tuple[int, ...] = ()
    # True when any counted month is demo data: the document then says so on every page.
    has_sample: bool = False

    @property
    def period_label(self) -> str:
        return self.period.label(self.plan)

    @property
    def area_name(self) -> str:
        return self.sub_agreement.org_unit.name if self.sub_agreement else "toàn tỉnh"

    @property
    def tasks(self) -> list[TaskGroup]:
        groups: dict[int, list[IndicatorFigure]] = defaultdict(list)
        names = {}
        for figure in self.indicators:
            groups[figure.task_order].append(figure)
            names[figure.task_order] = figure.task_name
        return [TaskGroup(order, names[order], tuple(groups[order])) for order in sorted(groups)]

    @property
    def months_due(self) -> int:
        return sum(d.months_due for d in self.districts)

    @property
    def months_submitted(self) -> int:
        return sum(d.months_submitted for d in self.districts)

    @property
    def completeness(self) -> Decimal | None:
        if not self.months_due:
            return None
        return _percent(Decimal(self.months_submitted), Decimal(self.months_due))

    @property
    def districts_missing(self) -> list[DistrictFigure]:
        return [d for d in self.districts if d.missing_months]

    @property
    def district_column_groups(self) -> list[tuple[IndicatorFigure, ...]]:
        """Indicators in even chunks of at most seven: a landscape A4 page holds seven pairs
        of figure columns beside the district name."""
        items = self.indicators
        if not items:
            return []
        groups = -(-len(items) // 7)
        size = -(-len(items) // groups)
        return [tuple(items[i : i + size]) for i in range(0, len(items), size)]

    def as_dict(self) -> dict:
        """The figures as plain JSON values: hashed, stored with an issued report, and
        compared with the next draft to show what changed."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        return {
            "kind": self.kind,
            "period": self.period.key,
            "sub_agreement": self.sub_agreement.pk if self.sub_agreement else None,
            "indicators": {
                f.code: {
                    "name": f.name,
                    "unit": f.unit,
                    "baseline": text(f.baseline),
                    "target": text(f.target),
                    "achieved": text(f.achieved),
                    "by_year": {str(y): text(v) for y, v in f.by_year},
                }
                for f in self.indicators
            },
            "districts": {
                d.name: {
                    "months_due": d.months_due,
                    "months_submitted": d.months_submitted,
                    "achieved": {code: text(cell[0]) for code, cell in d.cells.items()},
                }
                for d in self.districts
            },
        }

    @property
    def sha256(self) -> str:
        return figures_sha256(self.as_dict())

    @property
    def charts(self) -> list[SafeString]:
        return [
            percent_bars_svg(
                title=f"Tỷ lệ thực hiện chỉ tiêu {self.period_label} (%)",
                items=[
                    (f"{task.order}.{n} {f.name}", f.percent)
                    for task in self.tasks
                    for n, f in enumerate(task.indicators, start=1)
                ],
            ),
            *(
                [
                    percent_bars_svg(
                        title="Tỷ lệ báo cáo đầy đủ theo đơn vị (%)",
                        items=[(d.name, d.completeness) for d in self.districts],
                    )
                ]
                if len(self.districts) > 1
                else []
            ),
        ]


def figures_sha256(figures: dict) -> str:
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _percent(achieved: Decimal | None, target: Decimal | None) -> Decimal | None:
    if achieved is None or not target:
        return None
    return (achieved / target * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _status(percent: Decimal | None, expected_share: Decimal, aggregation: str) -> str:
    """On track when the achieved share reaches the share of the period already elapsed
    (flows); stocks and ratios are levels and are compared with their target directly."""
    if percent is None:
        return "no_target"
    expected = Decimal(100) if aggregation != Aggregation.SUM else expected_share * 100
    if expected <= 0 or percent >= expected:
        return "on_track"
    return "at_risk" if percent >= expected * Decimal("0.8") else "behind"


# --- Gathering ----------------------------------------------------------------------------


def plan_months(plan: Agreement, sub_agreements: list[Agreement]) -> list[dt.date]:
    """The plan's reporting months: from the first sub-agreement's start to the last one's
    end (the plan's own dates when it has none)."""
    if sub_agreements:
        first = min(a.start_date for a in sub_agreements)
        last = max(a.end_date for a in sub_agreements)
    else:
        first, last = plan.start_date, plan.end_date
    return months_between(first, last)


def _months_due(agreement: Agreement, first: dt.date, last: dt.date, today: dt.date) -> list:
    """Months of the window this sub-agreement had to report by today (deadline passed)."""
    months = months_between(
        max(first, month_start(agreement.start_date)), min(last, month_start(agreement.end_date))
    )
    return [m for m in months if deadline(agreement, m) < today]


def _period_target(
    *,
    targets: dict,
    agreement_id: int,
    indicator: Indicator,
    period: Period,
    window: list[dt.date],
    all_months: list[dt.date],
) -> Decimal | None:
    """The target for the period: the whole-plan target for the plan, stocks and ratios;
    for flows, the year's target (or the whole-plan one) pro rata to the plan months the
    period covers."""
    whole = targets.get((agreement_id, indicator.pk, None))
    if period.kind == "plan" or indicator.aggregation != Aggregation.SUM:
        return whole
    total = Decimal(0)
    found = False
    for year in sorted({m.year for m in window}):
        in_year = [m for m in all_months if m.year == year]
        covered = [m for m in window if m.year == year]
        yearly = targets.get((agreement_id, indicator.pk, year))
        if yearly is not None and in_year:
            total += yearly * len(covered) / len(in_year)
            found = True
        elif whole is not None and all_months:
            total += whole * len(covered) / len(all_months)
            found = True
    return total.quantize(Decimal(1), rounding=ROUND_HALF_UP) if found else None


def _aggregate(
    *,
    indicators: list[Indicator],
    sub_ids: list[int],
    first: dt.date,
    last: dt.date,
    statuses: list[str],
) -> dict[tuple[int, int], Decimal | None]:
    """(sub-agreement id, indicator id) → achieved in the window, plus (0, indicator id) for
    the total over those sub-agreements. Two queries."""
    values = ActivityValue.objects.filter(
        report__sub_agreement_id__in=sub_ids,
        report__month__gte=first,
        report__month__lte=last,
        report__status__in=statuses,
    )
    sums = {
        (row["report__sub_agreement_id"], row["indicator_id"]): row
        for row in values.values("report__sub_agreement_id", "indicator_id").annotate(
            total=Sum("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
        )
    }
    latest: dict[tuple[int, int], int] = {}
    stock_ids = [i.pk for i in indicators if i.aggregation == Aggregation.LATEST]
    if stock_ids:
        rows = (
            values.filter(indicator_id__in=stock_ids, value__isnull=False)
            .order_by("report__month")
            .values_list("report__sub_agreement_id", "indicator_id", "value")
        )
        for sub_id, indicator_id, value in rows:
            latest[(sub_id, indicator_id)] = value  # ordered by month: the last one wins
    result: dict[tuple[int, int], Decimal | None] = {}
    for indicator in indicators:
        total = numerator = denominator = None
        for sub_id in sub_ids:
            key = (sub_id, indicator.pk)
            row = sums.get(key)
            achieved = None
            if indicator.aggregation == Aggregation.LATEST:
                if key in latest:
                    achieved = Decimal(latest[key])
            elif indicator.aggregation == Aggregation.RATIO:
                if row and row["denominator"]:
                    numerator = (numerator or 0) + row["numerator"]
                    denominator = (denominator or 0) + row["denominator"]
                    achieved = _ratio(row["numerator"], row["denominator"])
            elif row and row["total"] is not None:
                achieved = Decimal(row["total"])
            result[key] = achieved
            if achieved is not None and indicator.aggregation != Aggregation.RATIO:
                total = (total or Decimal(0)) + achieved
        if indicator.aggregation == Aggregation.RATIO:
            total = _ratio(numerator, denominator) if denominator else None
        result[(0, indicator.pk)] = total
    return result


def _ratio(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator) * 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def document_figures(
    *,
    kind: str,
    plan: Agreement,
    period: Period,
    scope: UserScope,
    sub_agreement_id: int | None = None,
    include_provisional: bool = False,
    today: dt.date | None = None,
) -> DocumentFigures:
    """Everything one document prints. Raises Http404 for a sub-agreement outside the
    user's scope, PermissionDenied-free: scope narrows, it never errors. A fixed number of
    queries (about ten) whatever the number of districts and months."""
    today = today or timezone.localdate()
    subs = list(sub_agreement_list(scope=scope).filter(parent=plan))
    sub_agreement = None
    if kind == Kind.DISTRICT:
        sub_agreement = next((a for a in subs if a.pk == sub_agreement_id), None)
        if sub_agreement is None:
            raise Http404
    elif not scope.sees_all:
        # A district user may only file its own district's report.
        raise Http404
    if kind == Kind.FINAL:
        period = Period("plan")
    all_months = plan_months(plan, list(Agreement.objects.filter(parent=plan)))
    first, last = period.bounds(all_months)
    window = [m for m in months_between(first, last) if all_months[0] <= m <= all_months[-1]]
    units = [sub_agreement] if sub_agreement else subs
    sub_ids = [a.pk for a in units]
    indicators = list(
        Indicator.objects.filter(plan=plan).select_related("task").order_by("task__order", "order")
    )
    statuses = [Status.APPROVED, Status.SUBMITTED] if include_provisional else [Status.APPROVED]
    achieved = _aggregate(
        indicators=indicators, sub_ids=sub_ids, first=first, last=last, statuses=statuses
    )
    if kind != Kind.DISTRICT and period.kind == "plan":
        # Whole-plan provincial totals are the selector's own figures.
        for item in plan_achievement(
            plan=plan, scope=scope, include_provisional=include_provisional
        ):
            achieved[(0, item.indicator.pk)] = item.achieved
    by_year: dict[int, dict] = {}
    years: tuple[int, ...] = ()
    if kind == Kind.FINAL:
        years = tuple(sorted({m.year for m in all_months}))
        for year in years:
            by_year[year] = _aggregate(
                indicators=indicators,
                sub_ids=sub_ids,
                first=dt.date(year, 1, 1),
                last=dt.date(year, 12, 1),
                statuses=statuses,
            )
    targets = {
        (t.agreement_id, t.indicator_id, t.year): t.value
        for t in Target.objects.filter(agreement_id__in=[plan.pk, *sub_ids], indicator__plan=plan)
    }
    baselines = (
        {}
        if sub_agreement
        else {b.indicator_id: b.value for b in Baseline.objects.filter(agreement=plan)}
    )
    elapsed = [m for m in window if deadline(plan, m) < today]
    expected_share = Decimal(len(elapsed)) / Decimal(len(window)) if window else Decimal(1)
    owner_id = sub_agreement.pk if sub_agreement else plan.pk
    figures = []
    for indicator in indicators:
        target = _period_target(
            targets=targets,
            agreement_id=owner_id,
            indicator=indicator,
            period=period,
            window=window,
            all_months=all_months,
        )
        value = achieved[(sub_agreement.pk if sub_agreement else 0, indicator.pk)]
        percent = _percent(value, target)
        figures.append(
            IndicatorFigure(
                task_order=indicator.task.order,
                task_name=indicator.task.name,
                code=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                aggregation=indicator.aggregation,
                baseline=baselines.get(indicator.pk),
                target=target,
                achieved=value,
                percent=percent,
                status=_status(percent, expected_share, indicator.aggregation),
                by_year=tuple((year, by_year[year][(0, indicator.pk)]) for year in years),
            )
        )
    reports = MonthlyReport.objects.filter(
        sub_agreement_id__in=sub_ids,
        month__gte=first,
        month__lte=last,
        status__in=[Status.SUBMITTED, Status.APPROVED],
    ).values_list("sub_agreement_id", "month", "is_sample")
    submitted = defaultdict(set)
    has_sample = False
    for sub_id, month, is_sample in reports:
        submitted[sub_id].add(month)
        has_sample = has_sample or is_sample
    districts = []
    for agreement in units:
        due = _months_due(agreement, first, last, today)
        cells = {}
        for indicator in indicators:
            target = _period_target(
                targets=targets,
                agreement_id=agreement.pk,
                indicator=indicator,
                period=period,
                window=window,
                all_months=all_months,
            )
            value = achieved[(agreement.pk, indicator.pk)]
            cells[indicator.code] = (value, target, _percent(value, target))
        districts.append(
            DistrictFigure(
                sub_agreement_id=agreement.pk,
                name=agreement.org_unit.name,
                months_due=len(due),
                months_submitted=sum(1 for m in due if m in submitted[agreement.pk]),
                missing_months=tuple(m for m in due if m not in submitted[agreement.pk]),
                cells=cells,
            )
        )
    return DocumentFigures(
        kind=kind,
        plan=plan,
        sub_agreement=sub_agreement,
        period=period,
        first_month=first,
        last_month=last,
        indicators=tuple(figures),
        districts=tuple(districts),
        years=years,
        has_sample=has_sample,
    )


def figures_changes(*, previous: dict, current: dict) -> list[tuple[str, str, str, str]]:
    """What changed between two ``as_dict()`` snapshots: (what, field, before, after)."""
    changes = []
    before_indicators = previous.get("indicators", {})
    for code, now in current.get("indicators", {}).items():
        then = before_indicators.get(code, {})
        for key in ("achieved", "target", "baseline"):
            if then.get(key) != now.get(key):
                changes.append((now.get("name", code), key, then.get(key), now.get(key)))
    before_districts = previous.get("districts", {})
    for name, now in current.get("districts", {}).items():
        then = before_districts.get(name, {})
        if then.get("months_submitted") != now.get("months_submitted"):
            changes.append(
                (name, "months_submitted", then.get("months_submitted"), now["months_submitted"])
            )
    return changes


# --- Charts -------------------------------------------------------------------------------
# A small server-drawn bar chart until the dashboards' reports/charts.py is available; every
# label is escaped, so a unit or indicator name cannot inject markup into the SVG.


def _short(text: str, length: int = 48) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def percent_bars_svg(*, title: str, items: list[tuple[str, Decimal | None]]) -> SafeString:
    row, label_width, bar_width, cap = 19, 330, 270, 150
    height = 34 + row * len(items) + 18
    width = label_width + bar_width + 60
    scale = bar_width / cap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        # 605 CSS px = 160 mm, the text block of a portrait A4 page.
        f'width="605" height="{605 * height / width:.0f}" role="img" '
        f'aria-label="{escape(title)}" '
        'class="chart" font-family="DocSerif, serif" font-size="10">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, percent) in enumerate(items):
        y = 26 + index * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="11">'
            f"{escape(_short(label))}</text>"
        )
        if percent is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 13}" font-size="11">—</text>')
            continue
        shown = min(float(percent), cap)
        colour = "#2f6b3a" if percent >= 100 else "#b7791f" if percent >= 80 else "#a23b2a"
        parts.append(
            f'<rect x="{label_width}" y="{y + 2}" width="{shown * scale:.1f}" height="{row - 5}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_width + shown * scale + 4:.1f}" y="{y + 13}" font-size="11">'
            f"{escape(format_number(percent, 1))}</text>"
        )
    line_x = label_width + 100 * scale
    bottom = 26 + row * len(items)
    parts.append(
        f'<line x1="{line_x}" y1="22" x2="{line_x}" y2="{bottom + 2}" stroke="#333" '
        'stroke-dasharray="3 2" stroke-width="0.8"/>'
    )
    parts.append(
        f'<text x="{line_x}" y="{bottom + 14}" text-anchor="middle" font-size="11">100 %</text>'
    )
    parts.append("</svg>")
    # Every interpolated text above is escaped.
    return mark_safe("".join(parts))


def format_number(value: Decimal | int | None, places: int | None = None) -> str:
    """Vietnamese number style: 1.234.567 and 45,3."""
    if value is None:
        return "—"
    value = Decimal(value)
    if places is None:
        places = 0 if value == value.to_integral_value() else 1
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
