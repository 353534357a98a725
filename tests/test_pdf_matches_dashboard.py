"""A PDF and the dashboard for the same period print the same numbers.

The provincial report is rendered for a quarter, a year and the whole plan (calendar months
and a Decree 09 plan), read back with pdftotext, and every indicator row (achieved, % of
target, status) and every district row is compared with what the selectors return for the
same period; the dashboard page for the same ``?period=`` is read and compared too."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from agreements.models import Agency, Agreement, Target
from agreements.selectors import user_scope
from core.calendar import DECREE_09
from reports import selectors
from reports.charts import fmt
from reports.pdf import render_document
from reports.pdf_data import Kind, document_figures, document_period
from reports.services_pdf import document_meta
from tests import factories as f
from tests.reports_data import APPROVED, RETURNED, SUBMITTED, month_report
from tests.test_pdf import (  # noqa: F401 — the fixtures
    _media,
    docs,
    pdf_text,
)

PERIODS = ("2024-Q3", "2024", "plan")


@pytest.fixture(params=["calendar", "decree09"])
def data(request, docs):  # noqa: F811 — the fixture
    """``docs`` (districts A and B, approved Q3/2024, B missing July, B's September only
    submitted) plus: a third district C with a returned month and a provisional month,
    months in 2023 and early 2024, yearly patrol targets for every plan year (so flows are
    phased by year), late submissions, and the plan's period rule."""
    world = docs
    world.plan.period_rule = request.param
    world.plan.save(update_fields=["period_rule"])
    for year, value in ((2023, 200), (2025, 320)):
        Target.objects.create(agreement=world.plan, indicator=world.patrol, year=year, value=value)
    unit_c = f.OrgUnitFactory(code="C", name="Thị xã Cửa Lò", parent=world.province)
    sub_c = f.SubAgreementFactory(parent=world.plan, org_unit=unit_c)
    for indicator, value in (
        (world.patrol, 300),
        (world.mediation, 30),
        (world.vneid, 1200),
        (world.online, 65),
    ):
        Target.objects.create(agreement=sub_c, indicator=indicator, value=value)
    values = {
        world.patrol: 25,
        world.mediation: 2,
        world.vneid: 640,
        world.online: (30, 80),
    }
    for sub, month, status, on in (
        (world.sub_a, dt.date(2023, 11, 1), APPROVED, None),
        (world.sub_a, dt.date(2023, 12, 1), APPROVED, dt.date(2024, 1, 20)),  # late
        (world.sub_a, dt.date(2024, 1, 1), APPROVED, None),
        (world.sub_b, dt.date(2023, 12, 1), APPROVED, None),
        (world.sub_b, dt.date(2024, 2, 1), APPROVED, None),
        (sub_c, dt.date(2023, 12, 1), APPROVED, None),
        (sub_c, dt.date(2024, 7, 1), APPROVED, dt.date(2024, 8, 25)),  # late
        (sub_c, dt.date(2024, 8, 1), RETURNED, None),
        (sub_c, dt.date(2024, 9, 1), SUBMITTED, None),  # provisional: not in official figures
    ):
        month_report(sub, month, status, on=on, values=values)
    world.sub_c = sub_c
    return world


def render(
    world, key: str, kind: str = Kind.PROVINCIAL, today: dt.date | None = None, sub=None
) -> tuple[object, str, list[str]]:
    plan = Agreement.objects.get(pk=world.plan.pk)
    figures = document_figures(
        kind=kind,
        plan=plan,
        period=document_period(key, plan=plan),
        scope=user_scope(world.staff),
        sub_agreement_id=sub,
        today=today,
    )
    issuer = world.police if sub is None else Agency.objects.get(agreements__agreement_id=sub)
    meta = document_meta(
        figures=figures,
        options={"issuer": str(issuer.pk), "narrative": "Nội dung.", "number": "5"},
        is_draft=False,
    )
    data = render_document(figures, meta)
    return figures, pdf_text(data), pdf_text(data, layout=True).splitlines()


def spaced(text: str) -> str:
    """A regex for ``text`` that lets pdftotext put any run of spaces between its words."""
    return r"\s+".join(re.escape(word) for word in text.split())


def assert_line(lines: list[str], start: str, cells: list[str]) -> None:
    """Some printed line holds ``start`` followed by ``cells`` in order (long names wrap in
    their cell, so the row's figures share a line with the name's first words)."""
    pattern = spaced(start) + r"\s.*?" + r"\s+".join(spaced(cell) for cell in cells) + r"(\s|$)"
    assert any(re.search(pattern, line) for line in lines), (start, cells)


class Tables(HTMLParser):
    """Every table row of a page: (table class, cell texts, first link of the row)."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[str, list[str], str]] = []
        self._table = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._href = ""
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("class") or ""
        elif tag == "tr":
            self._row, self._href = [], ""
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None and not self._href:
            self._href = attrs.get("href", "")
        elif tag == "span" and "visually-hidden" in (attrs.get("class") or ""):
            self._hidden += 1
        elif tag == "span" and self._hidden:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._table, self._row, self._href))
            self._row = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def dashboard_rows(client, world, key: str) -> list[tuple[str, list[str], str]]:
    client.force_login(world.leader)
    response = client.get(reverse("reports:province") + f"?period={key}")
    assert response.status_code == 200
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.rows


@pytest.mark.parametrize("key", PERIODS)
def test_provincial_pdf_prints_the_dashboards_figures(data, client, key):
    plan = Agreement.objects.get(pk=data.plan.pk)
    period = document_period(key, plan=plan)
    scope = user_scope(data.leader)
    progress = selectors.province_progress(plan=plan, period=period, scope=scope)
    comparison = selectors.district_comparison(plan=plan, period=period, scope=scope)
    figures, text, lines = render(data, key)
    page = dashboard_rows(client, data, key)

    # The period is named with its own dates under the plan's rule.
    assert period.date_range in text
    if plan.period_rule == DECREE_09 and key == "2024-Q3":
        assert "15/06/2024 – 14/09/2024" in text
    if plan.period_rule == DECREE_09 and key == "2024":
        assert "15/12/2023 – 14/12/2024" in text

    with translation.override("vi"):
        assert [row.indicator.code for row in figures.rows] == [
            row.indicator.code for row in progress.rows
        ]
        progress_rows = [(t, cells, href) for t, cells, href in page if "progress-table" in t]
        for number, row in enumerate(progress.rows):
            d = 1 if row.indicator.is_ratio else 0
            achieved, percent, status = fmt(row.achieved, d), fmt(row.percent, 1), row.status_label
            # Table 1 of the PDF: baseline, target for the period, achieved, %, expected, status.
            task = row.indicator.task.order
            position = [r.indicator.pk for r in progress.rows if r.indicator.task.order == task]
            assert_line(
                lines,
                f"{task}.{position.index(row.indicator.pk) + 1} "
                + " ".join(row.indicator.name.split()[:2]),
                [
                    row.indicator.unit,
                    fmt(row.baseline, d),
                    fmt(row.target_period, d),
                    achieved,
                    percent,
                    fmt(row.expected, d),
                    status,
                ],
            )
            # The dashboard's row for the same indicator shows the same three figures.
            cells = next(
                cells for _t, cells, href in progress_rows if f"/{row.indicator.code}/" in href
            )
            assert cells[5].split()[0] == achieved
            assert cells[6] == (f"{percent} %" if row.percent is not None else "—")
            assert cells[8] == status
            # The PDF's stored figures are the selector's.
            stored = figures.as_dict()["indicators"][row.indicator.code]
            assert stored["status"] == row.status
            assert stored["achieved"] == (
                None if row.achieved is None else format(row.achieved.normalize(), "f")
            )
            assert number < len(figures.rows)

        # Table 2 of the PDF and the dashboard's district table: status, each key indicator
        # as % of expected, completeness, timeliness.
        comparison_rows = [(cells, href) for t, cells, href in page if "comparison" in t]
        assert [line.name for line in figures.districts] == [
            row.sub_agreement.org_unit.name for row in comparison.rows
        ]
        for row, line in zip(comparison.rows, figures.districts, strict=True):
            expected_cells = [fmt(cell.percent_of_expected, 1) for cell in row.cells]
            assert_line(
                lines,
                row.sub_agreement.org_unit.name,
                [
                    row.status_label,
                    *expected_cells,
                    f"{line.months_submitted}/{line.months_due}",
                    fmt(row.completeness, 1),
                    fmt(row.timeliness, 1),
                ],
            )
            cells = next(
                cells
                for cells, href in comparison_rows
                if f"/district/{row.sub_agreement.pk}/" in href
            )
            assert cells[1] == row.status_label
            for value, cell in zip(expected_cells, cells[2:-2], strict=True):
                assert cell.split()[0] == value
            assert cells[-2].split()[0] == fmt(row.completeness, 1)
            assert cells[-1].split()[0] == fmt(row.timeliness, 1)

        # The appendix: every indicator per district, achieved and % of expected, as the
        # dashboard's indicator pages compare districts.
        matrix = selectors.district_comparison(
            plan=plan,
            period=period,
            scope=scope,
            indicator_codes=[row.indicator.code for row in progress.rows],
        )
        for row in matrix.rows:
            numbers = []
            for cell in row.cells:
                numbers += [
                    fmt(cell.achieved, 1 if cell.indicator.is_ratio else 0),
                    fmt(cell.percent_of_expected, 1),
                ]
            assert_line(lines, row.sub_agreement.org_unit.name, numbers)


def test_official_figures_leave_out_returned_and_submitted_months(data):
    """The returned August and the submitted September of district C are not counted, as on
    the dashboard without "provisional"; the returned month is listed as not submitted."""
    plan = Agreement.objects.get(pk=data.plan.pk)
    figures, _text, _lines = render(data, "2024-Q3")
    line_c = next(line for line in figures.districts if line.name == "Thị xã Cửa Lò")
    patrol = line_c.all_cells[[r.indicator.code for r in figures.rows].index("TUAN_TRA")]
    assert patrol.achieved == 25  # July only
    assert line_c.not_submitted == [dt.date(2024, 8, 1)]
    assert line_c.months_submitted == 2  # July (late) and September (submitted)
    provisional = selectors.province_progress(
        plan=plan,
        period=figures.period,
        scope=user_scope(data.leader),
        include_provisional=True,
    )
    assert {r.indicator.code: r.achieved for r in provisional.rows}["TUAN_TRA"] != {
        r.indicator.code: r.achieved for r in figures.rows
    }["TUAN_TRA"]


def test_final_review_years_are_the_year_periods_figures(data):
    plan = Agreement.objects.get(pk=data.plan.pk)
    _figures, text, lines = render(data, "plan", kind=Kind.FINAL)
    scope = user_scope(data.leader)
    whole = selectors.province_progress(
        plan=plan, period=document_period("plan", plan=plan), scope=scope
    )
    years = {
        year: selectors.province_progress(
            plan=plan, period=document_period(str(year), plan=plan), scope=scope
        )
        for year in (2023, 2024, 2025)
    }
    assert "Năm 2023 Năm 2024 Năm 2025" in text
    with translation.override("vi"):
        for number, row in enumerate(whole.rows, start=1):
            d = 1 if row.indicator.is_ratio else 0
            by_year = [
                fmt({r.indicator.pk: r for r in years[y].rows}[row.indicator.pk].achieved, d)
                for y in (2023, 2024, 2025)
            ]
            assert_line(
                lines,
                f"{number} " + " ".join(row.indicator.name.split()[:2]),
                [fmt(row.baseline, d), *by_year, fmt(row.achieved, d)],
            )


def test_a_period_in_progress_is_judged_against_the_dashboards_expectation(data):
    """On 20/08/2024 the third quarter is under way: the expected value is what the months
    closed by then should reach (July under calendar months; July and August under Decree 09,
    whose August ended on 14/08), so % of target and status differ from a closed quarter. The
    PDF, pinned to that day, prints the selector's figures for that day."""
    plan = Agreement.objects.get(pk=data.plan.pk)
    today = dt.date(2024, 8, 20)
    progress = selectors.province_progress(
        plan=plan,
        period=document_period("2024-Q3", plan=plan),
        scope=user_scope(data.leader),
        today=today,
    )
    _figures, text, lines = render(data, "2024-Q3", today=today)
    closed = dt.date(2024, 8, 1) if plan.period_rule == DECREE_09 else dt.date(2024, 7, 1)
    assert progress.figures_to == closed
    assert f"số liệu đến hết tháng {closed:%m/%Y}" in text
    assert any(row.expected != row.target_period for row in progress.rows)
    with translation.override("vi"):
        for row in progress.rows:
            d = 1 if row.indicator.is_ratio else 0
            assert_line(
                lines,
                " ".join(row.indicator.name.split()[:2]),
                [
                    fmt(row.target_period, d),
                    fmt(row.achieved, d),
                    fmt(row.percent, 1),
                    fmt(row.expected, d),
                    row.status_label,
                ],
            )


@pytest.mark.parametrize("key", ["2024-Q3", "2024"])
def test_district_pdf_prints_the_district_dashboards_figures(data, client, key):
    plan = Agreement.objects.get(pk=data.plan.pk)
    period = document_period(key, plan=plan)
    progress = selectors.province_progress(
        plan=plan, period=period, scope=user_scope(data.leader), district=data.sub_b
    )
    _figures, text, lines = render(data, key, kind=Kind.DISTRICT, sub=data.sub_b.pk)
    client.force_login(data.leader)
    response = client.get(reverse("reports:district", args=[data.sub_b.pk]) + f"?period={key}")
    parser = Tables()
    parser.feed(response.content.decode())
    assert period.date_range in text
    with translation.override("vi"):
        for row in progress.rows:
            d = 1 if row.indicator.is_ratio else 0
            achieved, percent = fmt(row.achieved, d), fmt(row.percent, 1)
            assert_line(
                lines,
                " ".join(row.indicator.name.split()[:2]),
                [
                    row.indicator.unit,
                    fmt(row.target_period, d),
                    achieved,
                    percent,
                    fmt(row.expected, d),
                    row.status_label,
                ],
            )
            cells = next(
                cells
                for table, cells, href in parser.rows
                if "progress-table" in table and f"/{row.indicator.code}/" in href
            )
            assert cells[5].split()[0] == achieved
            assert cells[6] == (f"{percent} %" if row.percent is not None else "—")
            assert cells[8] == row.status_label
