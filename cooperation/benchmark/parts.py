"""The parts the benchmark measures: for each, our path and its floor, in the same run.

Every ``part_*`` takes the built ``World`` and ``runs`` and returns ``Result`` rows. The floor
of a part is a keyword argument (``floor=``) so a test can hand it a wrong floor and see the
benchmark fail; nothing of ours is replaced."""

import datetime as dt
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import Agreement, Indicator
from agreements.selectors import user_scope
from audit.models import AuditEvent
from cooperation.benchmark.build import World
from cooperation.benchmark.measure import Result, compare

Aggregation = Indicator.Aggregation
APPROVED = MonthlyReport.Status.APPROVED

# --- the floor: one hand-written SQL statement --------------------------------------------


def floor_totals(
    *, plan_id: int, sub_agreement_id: int | None = None, per_unit: bool = False, code=None
) -> dict:
    """Per indicator (and per sub-agreement when ``per_unit``) of the approved months: the
    sum of values, numerators and denominators of flows and ratios, and for stocks each
    unit's value in its latest month, added over units. One statement."""
    values = ActivityValue._meta.db_table
    reports = MonthlyReport._meta.db_table
    agreements = Agreement._meta.db_table
    indicators = Indicator._meta.db_table
    where = ["a.parent_id = %s", "r.status = %s"]
    params: list = [plan_id, APPROVED]
    if sub_agreement_id is not None:
        where.append("a.id = %s")
        params.append(sub_agreement_id)
    if code is not None:
        where.append("i.code = %s")
        params.append(code)
    where_sql = " AND ".join(where)
    unit = ", r.sub_agreement_id" if per_unit else ""
    unit_outer = ", sub_agreement_id" if per_unit else ""
    sql = f"""
        SELECT v.indicator_id{unit}, SUM(v.value), SUM(v.numerator), SUM(v.denominator)
        FROM {values} v
        JOIN {reports} r ON r.id = v.report_id
        JOIN {agreements} a ON a.id = r.sub_agreement_id
        JOIN {indicators} i ON i.id = v.indicator_id
        WHERE {where_sql} AND i.aggregation <> 'latest'
        GROUP BY v.indicator_id{unit}
        UNION ALL
        SELECT indicator_id{unit_outer}, SUM(value), NULL, NULL FROM (
            SELECT v.indicator_id, r.sub_agreement_id, v.value, ROW_NUMBER() OVER (
                PARTITION BY v.indicator_id, r.sub_agreement_id ORDER BY r.month DESC
            ) AS recency
            FROM {values} v
            JOIN {reports} r ON r.id = v.report_id
            JOIN {agreements} a ON a.id = r.sub_agreement_id
            JOIN {indicators} i ON i.id = v.indicator_id
            WHERE {where_sql} AND i.aggregation = 'latest' AND v.value IS NOT NULL
        ) latest WHERE recency = 1
        GROUP BY indicator_id{unit_outer}
    """  # noqa: S608 — table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        rows = cursor.fetchall()
    result = {}
    for row in rows:
        key = (row[0], row[1]) if per_unit else row[0]
        value, numerator, denominator = row[-3:]
        result[key] = (
            None if value is None else int(value),
            None if numerator is None else int(numerator),
            None if denominator is None else int(denominator),
        )
    return result


def _normal(aggregation: str, value, numerator, denominator) -> tuple:
    """What two paths must agree on: a ratio's parts, a flow's or stock's total."""
    if aggregation == Aggregation.RATIO:
        return ("ratio", _int(numerator), _int(denominator))
    return (aggregation, _int(value))


def _int(number):
    if number is None:
        return None
    if isinstance(number, Decimal) and number != number.to_integral_value():
        return number
    return int(number)


def floor_figures(world: World, totals: dict) -> dict:
    by_pk = {item.pk: item for item in world.indicators}
    return {
        by_pk[pk].code: _normal(by_pk[pk].aggregation, *parts)
        for pk, parts in totals.items()
        if pk in by_pk
    }


def progress_figures(report) -> dict:
    figures = {}
    for group in report.tasks:
        for row in group.rows:
            if row.achieved is None and row.numerator is None:
                continue
            figures[row.indicator.code] = _normal(
                row.indicator.aggregation, row.achieved, row.numerator, row.denominator
            )
    return figures


# --- pages and their selectors ------------------------------------------------------------


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def _size(response) -> int:
    return len(response.content)


FloorFn = Callable[..., dict]


def part_province(world: World, *, runs: int, floor: FloorFn = floor_totals) -> list[Result]:
    from reports import selectors
    from reports.filters import filters_parse  # noqa: F401 (the page's own parsing, unused)

    leader = get_user_model().objects.get(username=world.leader_username)
    scope = user_scope(leader)
    period = _plan_period(world)
    client = _client(world.leader_username)

    def selector():
        return selectors.province_progress(plan=world.plan, period=period, scope=scope)

    def floor_call():
        return floor(plan_id=world.plan.pk)

    expected = progress_figures(selector())
    page = compare(
        part="province page",
        what="GET /progress/ (whole plan) as leadership, whole response",
        floor_what="one SQL aggregate of the same per-indicator totals",
        ours=lambda: _get(client, "/progress/"),
        floor=floor_call,
        runs=runs,
        figures=lambda response: expected,
        floor_figures=lambda totals: floor_figures(world, totals),
        size=_size,
    )
    sel = compare(
        part="province selector",
        what="reports.selectors.province_progress (whole plan)",
        floor_what="the same SQL aggregate",
        ours=selector,
        floor=floor_call,
        runs=runs,
        figures=progress_figures,
        floor_figures=lambda totals: floor_figures(world, totals),
    )
    return [page, sel]


def part_district(world: World, *, runs: int, floor: FloorFn = floor_totals) -> list[Result]:
    from reports import selectors

    leader = get_user_model().objects.get(username=world.leader_username)
    scope = user_scope(leader)
    period = _plan_period(world)
    client = _client(world.leader_username)
    sub = world.entry_sub_agreement
    url = reverse("reports:district", args=[sub.pk])

    def selector():
        return selectors.province_progress(
            plan=world.plan, period=period, scope=scope, district=sub
        )

    def floor_call():
        return floor(plan_id=world.plan.pk, sub_agreement_id=sub.pk)

    expected = progress_figures(selector())
    return [
        compare(
            part="district page",
            what=f"GET {url} (one unit, whole plan) as leadership",
            floor_what="one SQL aggregate of the unit's per-indicator totals",
            ours=lambda: _get(client, url),
            floor=floor_call,
            runs=runs,
            figures=lambda response: expected,
            floor_figures=lambda totals: floor_figures(world, totals),
            size=_size,
        ),
        compare(
            part="district selector",
            what="reports.selectors.province_progress(district=…)",
            floor_what="the same SQL aggregate",
            ours=selector,
            floor=floor_call,
            runs=runs,
            figures=progress_figures,
            floor_figures=lambda totals: floor_figures(world, totals),
        ),
    ]


def part_indicator(world: World, *, runs: int, floor: FloorFn = floor_totals) -> list[Result]:
    from reports import selectors

    leader = get_user_model().objects.get(username=world.leader_username)
    scope = user_scope(leader)
    period = _plan_period(world)
    client = _client(world.leader_username)
    item = world.indicators[0]
    url = reverse("reports:indicator", args=[item.code])

    def selector():
        return selectors.district_comparison(
            plan=world.plan, period=period, scope=scope, indicator_codes=[item.code]
        )

    def unit_figures(comparison) -> dict:
        figures = {}
        for row in comparison.rows:
            for cell in row.cells:
                if cell.indicator.pk == item.pk and cell.achieved is not None:
                    figures[row.sub_agreement.pk] = _int(cell.achieved)
        return figures

    def floor_call():
        return floor(plan_id=world.plan.pk, per_unit=True, code=item.code)

    def floor_units(totals) -> dict:
        return {sub: parts[0] for (pk, sub), parts in totals.items() if pk == item.pk}

    expected = unit_figures(selector())
    return [
        compare(
            part="indicator page",
            what=f"GET {url} (every unit against its target) as leadership",
            floor_what="one SQL aggregate of the indicator's total per unit",
            ours=lambda: _get(client, url),
            floor=floor_call,
            runs=runs,
            figures=lambda response: expected,
            floor_figures=floor_units,
            size=_size,
        ),
        compare(
            part="indicator selector",
            what="reports.selectors.district_comparison(indicator_codes=[…])",
            floor_what="the same SQL aggregate",
            ours=selector,
            floor=floor_call,
            runs=runs,
            figures=unit_figures,
            floor_figures=floor_units,
        ),
    ]


def _plan_period(world: World):
    from core.calendar import period_parse

    return period_parse("plan", plan=world.plan)


# --- month entry and approval -------------------------------------------------------------


def _month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def part_entry(world: World, *, runs: int) -> list[Result]:
    sub = world.entry_sub_agreement
    month = world.entry_month
    url = reverse("activities:month_entry", args=[sub.pk, _month_key(month)])
    client = _client(world.officer_username)
    report = MonthlyReport.objects.get(sub_agreement=sub, month=month)
    values_table = ActivityValue._meta.db_table
    reports_table = MonthlyReport._meta.db_table
    ratio = {i.pk for i in world.indicators if i.aggregation == Aggregation.RATIO}

    def bare_select():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.version, v.indicator_id, v.value, v.numerator, v.denominator "  # noqa: S608
                f"FROM {reports_table} r JOIN {values_table} v ON v.report_id = r.id "
                "WHERE r.sub_agreement_id = %s AND r.month = %s",
                [sub.pk, month],
            )
            return cursor.fetchall()

    def inputs(response) -> tuple:
        html = response.content.decode()
        return (html.count('name="v_'), html.count('name="n_'), html.count('name="d_'))

    def floor_inputs(rows) -> tuple:
        flows = sum(1 for r in rows if r[1] not in ratio)
        ratios = len(rows) - flows
        return (flows, ratios, ratios)

    render = compare(
        part="entry render",
        what=f"GET {url} as the unit's officer (the month's form)",
        floor_what="one SELECT of the month's report and values",
        ours=lambda: _get(client, url),
        floor=bare_select,
        runs=runs,
        figures=inputs,
        floor_figures=floor_inputs,
        size=_size,
    )

    # Save: every run posts different figures, so every save writes. The floor writes the
    # same figures to another month with bare UPDATEs.
    other = (
        MonthlyReport.objects.filter(sub_agreement__parent=world.plan)
        .exclude(pk=report.pk)
        .order_by("pk")
        .first()
    )
    state = {"n": 0}

    def posted(n: int) -> dict[int, tuple]:
        return {
            item.pk: (None, n % 20, n % 20 + 5)
            if item.pk in ratio
            else (100 + n + position, None, None)
            for position, item in enumerate(world.indicators)
        }

    def save():
        state["n"] += 1
        version = MonthlyReport.objects.values_list("version", flat=True).get(pk=report.pk)
        data = {"version": version, "narrative": f"Đo tốc độ {state['n']}", "action": "save"}
        for pk, (value, numerator, denominator) in posted(state["n"]).items():
            if pk in ratio:
                data[f"n_{pk}"], data[f"d_{pk}"] = numerator, denominator
            else:
                data[f"v_{pk}"] = value
            data[f"c_{pk}"] = ""
        response = client.post(url, data)
        if response.status_code != 302:
            raise RuntimeError(f"saving {url} answered {response.status_code}")
        return state["n"]

    floor_state = {"n": 0}

    def bare_save():
        floor_state["n"] += 1
        rows = [
            (v, num, den, other.pk, pk) for pk, (v, num, den) in posted(floor_state["n"]).items()
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {values_table} SET value = %s, numerator = %s, denominator = %s "  # noqa: S608
                "WHERE report_id = %s AND indicator_id = %s",
                rows,
            )
            cursor.execute(
                f"UPDATE {reports_table} SET version = version + 1 WHERE id = %s",  # noqa: S608
                [other.pk],
            )
        return floor_state["n"]

    def stored(report_pk: int, n: int) -> bool:
        held = {
            v.indicator_id: (v.value, v.numerator, v.denominator)
            for v in ActivityValue.objects.filter(report_id=report_pk)
        }
        return held == posted(n)

    saved = compare(
        part="entry save",
        what=f"POST {url} (save draft, every figure changed)",
        floor_what="bare UPDATE of the month's values and version",
        ours=save,
        floor=bare_save,
        runs=runs,
        figures=lambda n: stored(report.pk, n),
        floor_figures=lambda n: stored(other.pk, n),
    )
    # The floor's bare UPDATEs bypass the rollups by design; bring the month's back in line
    # so a database kept for --reuse still answers with the floor's figures.
    rollups_refresh(report_ids=[other.pk])
    return [render, saved]


def part_approval(world: World, *, runs: int) -> list[Result]:
    from activities import services

    staff = get_user_model().objects.get(username=world.staff_username)
    scope = user_scope(staff)
    pair = list(
        MonthlyReport.objects.filter(sub_agreement__parent=world.plan, status=APPROVED)
        .exclude(sub_agreement=world.entry_sub_agreement)
        .order_by("-month", "pk")[:2]
    )
    if len(pair) < 2:
        pair = list(
            MonthlyReport.objects.filter(
                sub_agreement__parent=world.plan, status=APPROVED
            ).order_by("-month", "pk")[:2]
        )
    ours_report, floor_report = pair
    reports_table = MonthlyReport._meta.db_table
    audit_table = AuditEvent._meta.db_table
    held: dict = {}

    def submitted(report: MonthlyReport):
        def make():
            MonthlyReport.objects.filter(pk=report.pk).update(
                status=MonthlyReport.Status.SUBMITTED, submitted_at=timezone.now()
            )
            held[report.pk] = MonthlyReport.objects.select_related("sub_agreement").get(
                pk=report.pk
            )

        return make

    def approve():
        report = held[ours_report.pk]
        return services.report_approve(
            report=report, user=staff, scope=scope, version=report.version
        ).pk

    def bare_approve():
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {reports_table} SET status = %s, reviewed_at = %s, reviewed_by_id = %s, "  # noqa: S608
                "version = version + 1 WHERE id = %s",
                [APPROVED, now, staff.pk, floor_report.pk],
            )
            cursor.execute(
                f"INSERT INTO {audit_table} (at, actor_id, action, object_type, object_id, "  # noqa: S608
                "version, status_before, status_after, before, after, reason) "
                "VALUES (%s, %s, 'approve', 'monthlyreport', %s, %s, 'submitted', 'approved', "
                "%s, %s, '')",
                [now, staff.pk, str(floor_report.pk), 1, json.dumps({}), json.dumps({})],
            )
        return floor_report.pk

    def approved(pk: int) -> tuple:
        return (
            MonthlyReport.objects.get(pk=pk).status,
            AuditEvent.objects.filter(object_id=str(pk), action="approve").exists(),
        )

    result = [
        compare(
            part="approval",
            what="activities.services.report_approve (lock, check, update, audit, events)",
            floor_what="bare UPDATE of the report and INSERT of its audit row",
            ours=approve,
            floor=bare_approve,
            runs=runs,
            figures=approved,
            setup=(submitted(ours_report), submitted(floor_report)),
        )
    ]
    # The set-up and the floor change statuses with bare UPDATEs, past the rollups: bring
    # both months back in line for a later --reuse.
    rollups_refresh(report_ids=[ours_report.pk, floor_report.pk])
    return result


# --- import -------------------------------------------------------------------------------


def part_import(world: World, *, runs: int, rows: int = 10_000) -> list[Result]:
    from cooperation.benchmark import imports

    return imports.part_import(runs=runs, rows=rows)


# --- PDF ----------------------------------------------------------------------------------


def part_pdf(world: World, *, runs: int) -> list[Result]:
    from weasyprint import HTML

    from agreements.models import Agency, Membership
    from core.scope import UserScope
    from reports.narrative import narrative_build
    from reports.pdf import (
        BASE_URL,
        DocumentMeta,
        Signatory,
        StaticOnlyURLFetcher,
        document_html,
        html_to_pdf,
    )
    from reports.pdf_data import Kind, document_figures, document_period

    police, _created = Agency.objects.get_or_create(
        code="BENCH_CA",
        defaults={
            "name": "Công an tỉnh đo tốc độ",
            "kind": Agency.Kind.POLICE,
            "org_unit": world.plan.org_unit,
        },
    )
    scope = UserScope(
        user_id=None,
        roles=frozenset({Membership.Role.LEADERSHIP}),
        district_unit_ids=frozenset(),
        officer_unit_ids=frozenset(),
    )
    period = document_period("plan", plan=world.plan)

    def build_html() -> str:
        figures = document_figures(
            kind=Kind.PROVINCIAL, plan=world.plan, period=period, scope=scope
        )
        meta = DocumentMeta(
            agencies=(police,),
            number="1",
            issued_on=dt.date(2026, 1, 5),
            narrative=narrative_build(figures),
            signatories=(Signatory(title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", name="Người ký"),),
            recipients=("- Lưu: VT.",),
        )
        return document_html(figures, meta)

    prebuilt = build_html()

    def ours():
        html = build_html()
        return html, html_to_pdf(html)

    def floor():
        pdf = HTML(string=prebuilt, base_url=BASE_URL, url_fetcher=StaticOnlyURLFetcher())
        return prebuilt, pdf.write_pdf()

    def digest(pair) -> tuple:
        html, pdf = pair
        return (hashlib.sha256(html.encode()).hexdigest(), pdf[:5] == b"%PDF-")

    result = compare(
        part="provincial PDF",
        what="figures + narrative + HTML + WeasyPrint (reports.pdf), whole plan",
        floor_what="WeasyPrint on the pre-built HTML string of the same report",
        ours=ours,
        floor=floor,
        runs=runs,
        figures=digest,
        size=lambda pair: len(pair[1]),
    )
    # Our share: figures, narrative and HTML timed alone, against our whole path. (Ours minus
    # the floor is the same quantity but sits inside WeasyPrint's run-to-run noise.)
    html_ms = []
    for _run in range(runs):
        started = time.perf_counter()
        build_html()
        html_ms.append((time.perf_counter() - started) * 1000)
    result.extra["our_ms"] = round(statistics.median(html_ms), 1)
    result.extra["our_share"] = round(statistics.median(html_ms) / result.ours_ms, 3)
    result.detail = f"our share {result.extra['our_share']:.0%}"
    return [result]


PARTS: dict[str, Callable[..., list[Result]]] = {
    "province": part_province,
    "district": part_district,
    "indicator": part_indicator,
    "entry": part_entry,
    "approval": part_approval,
    "import": part_import,
    "pdf": part_pdf,
}
