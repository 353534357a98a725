"""Dashboard pages: who sees what (scope on every URL and filter), what the pages show, and
what they cost in queries at two data sizes."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_rebuild
from agreements.models import Agreement, OrgUnit, Target
from core.calendar import add_months
from tests import factories as f
from tests.reports_data import APPROVED, RETURNED, SUBMITTED, month_report, target

D = dt.date
PROVINCE = reverse("reports:province")


def district_url(sub, query=""):
    return reverse("reports:district", args=[sub.pk]) + query


def indicator_url(code, query=""):
    return reverse("reports:indicator", args=[code]) + query


@pytest.fixture
def data(world):
    w = world
    target(w.plan, w.patrol, 250)
    target(w.sub_a, w.patrol, 125)
    target(w.sub_b, w.patrol, 125)
    month_report(w.sub_a, D(2024, 1, 1), APPROVED, values={w.patrol: 30})
    month_report(w.sub_b, D(2024, 1, 1), APPROVED, values={w.patrol: 2})
    month_report(w.sub_b, D(2024, 2, 1), SUBMITTED, values={w.patrol: 4})
    returned = month_report(w.sub_b, D(2024, 3, 1), RETURNED, values={w.patrol: 9})
    returned.return_reason = "Số ca tuần tra chưa khớp sổ theo dõi."
    returned.save()
    return w


# --- Scope --------------------------------------------------------------------------------


def test_dashboards_need_a_login(client, data):
    for url in (PROVINCE, district_url(data.sub_a), indicator_url("TUAN_TRA")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["officer_a", "viewer_a"])
def test_district_user_is_sent_to_their_own_district(client, data, role):
    client.force_login(getattr(data, role))
    response = client.get(PROVINCE + "?period=2024-Q1&task=1")
    assert response.status_code == 302
    assert response["Location"] == district_url(data.sub_a, "?period=2024-Q1&task=1")


@pytest.mark.parametrize("role", ["officer_a", "viewer_a"])
@pytest.mark.parametrize(
    "url",
    [
        "district_b",
        "province?district=b",
        "district_a?district=b",
        "indicator?district=b",
        "indicator_b_sorted",
    ],
)
def test_district_user_gets_404_for_another_district_everywhere(client, data, role, url):
    b = data.sub_b.pk
    urls = {
        "district_b": district_url(data.sub_b),
        "province?district=b": f"{PROVINCE}?district={b}",
        "district_a?district=b": district_url(data.sub_a, f"?district={b}"),
        "indicator?district=b": indicator_url("TUAN_TRA", f"?district={b}&period=2024-Q1"),
        "indicator_b_sorted": indicator_url("TUAN_TRA", f"?district={b}&sort=-status"),
    }
    client.force_login(getattr(data, role))
    assert client.get(urls[url]).status_code == 404


@pytest.mark.parametrize("role", ["officer_a", "viewer_a"])
def test_district_user_pages_never_mention_another_district(client, data, role):
    client.force_login(getattr(data, role))
    for url in (
        district_url(data.sub_a),
        district_url(data.sub_a, "?period=2024-Q1&provisional=1&sort=-status"),
        indicator_url("TUAN_TRA"),
        indicator_url("VNEID", "?period=2024"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert data.unit_a.name in html
        assert data.unit_b.name not in html, url
        assert f"/progress/district/{data.sub_b.pk}/" not in html


def test_user_without_a_unit_gets_404(client, data):
    client.force_login(f.UserFactory(username="nobody"))
    assert client.get(PROVINCE).status_code == 404
    assert client.get(district_url(data.sub_a)).status_code == 404


def test_malformed_district_filter_is_404(client, data):
    client.force_login(data.leader)
    assert client.get(PROVINCE + "?district=abc").status_code == 404
    assert client.get(PROVINCE + "?district=999999").status_code == 404


@pytest.mark.parametrize("role", ["leader", "staff", "admin"])
def test_province_roles_see_every_district(client, data, role):
    client.force_login(getattr(data, role))
    response = client.get(PROVINCE)
    html = response.content.decode()
    assert response.status_code == 200
    assert data.unit_a.name in html and data.unit_b.name in html
    assert client.get(district_url(data.sub_b)).status_code == 200


def test_district_filter_on_the_province_page_opens_the_district_page(client, data):
    client.force_login(data.leader)
    response = client.get(f"{PROVINCE}?district={data.sub_b.pk}&period=2024-Q1")
    assert response.status_code == 302
    assert response["Location"] == district_url(data.sub_b, "?period=2024-Q1")


# --- What the pages show ------------------------------------------------------------------


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_province_dashboard_shows_behind_district_and_status(client, data):
    client.force_login(data.leader)
    response = client.get(PROVINCE + "?period=2024-Q1&task=1")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(response)
    # B did 2 of the 15 expected in Q1 (125 × 3 / 25) → behind; A 30 → on track.
    behind = re.search(r'<tr class="row-behind">\s*<th scope="row"><a href="([^"]+)"', html)
    assert behind and behind.group(1).startswith(district_url(data.sub_b))
    assert "Chậm tiến độ" in text
    assert "Quý 1/2024" in text
    # Province: 30 + 2 = 32 of 30 expected.
    assert 'href="/progress/indicator/TUAN_TRA/?period=2024-Q1&amp;task=1"' in html
    assert "<svg" in html and 'role="img"' in html and "<title" in html
    assert " style=" not in html  # CSP: no inline styles


def test_provisional_toggle_is_marked(client, data):
    client.force_login(data.leader)
    official = client.get(PROVINCE + "?period=2024-Q1").content.decode()
    provisional = client.get(PROVINCE + "?period=2024-Q1&provisional=1").content.decode()
    note = "Tạm tính: số liệu có dấu *"
    assert note not in official and "num provisional" not in official
    assert note in provisional
    # B's submitted February (4) joins the province total 30 + 2, and the cell is marked.
    marked = r'<td class="num provisional">36<span aria-hidden="true">\*</span>'
    assert re.search(marked, provisional)
    assert re.search(r'<td class="num">32\s*</td>', official)


def test_sorting_is_a_url_parameter(client, data):
    client.force_login(data.leader)
    html = client.get(PROVINCE + "?period=2024-Q1&sort=-name").content.decode()
    table = html[html.index('class="comparison"') :]
    assert table.index(data.unit_b.name) < table.index(data.unit_a.name)
    assert 'aria-sort="descending"' in table
    html = client.get(PROVINCE + "?period=2024-Q1&sort=name").content.decode()
    table = html[html.index('class="comparison"') :]
    assert table.index(data.unit_a.name) < table.index(data.unit_b.name)


def test_district_page_shows_what_is_due_and_what_was_returned(client, data):
    client.force_login(data.officer_b)
    response = client.get(district_url(data.sub_b, "?period=2024-Q1"))
    text = _text(response)
    assert "Số ca tuần tra chưa khớp sổ theo dõi." in text
    returned = MonthlyReport.objects.get(sub_agreement=data.sub_b, month=D(2024, 3, 1))
    html = response.content.decode()
    assert reverse("activities:report_detail", args=[returned.pk]) in html
    assert reverse("activities:month_entry", args=[data.sub_b.pk, "2024-03"]) in html


def test_grid_links_each_month_to_its_report(client, data):
    client.force_login(data.leader)
    html = client.get(reverse("reports:grid") + "?period=2024-Q1").content.decode()
    report = MonthlyReport.objects.get(sub_agreement=data.sub_a, month=D(2024, 1, 1))
    assert reverse("activities:report_detail", args=[report.pk]) in html


def test_unknown_indicator_is_404(client, data):
    client.force_login(data.leader)
    assert client.get(indicator_url("NOPE")).status_code == 404


def test_malformed_period_falls_back_to_the_whole_plan(client, data):
    client.force_login(data.leader)
    response = client.get(PROVINCE + "?period=2024-Q9")
    assert response.status_code == 200
    assert "Toàn bộ kế hoạch" in _text(response)


def test_nav_link_for_every_logged_in_user(client, data):
    for user in (data.officer_a, data.leader):
        client.force_login(user)
        assert f'href="{PROVINCE}"' in client.get("/").content.decode()


# --- Cost ---------------------------------------------------------------------------------


def _grow(w, districts: int, months: int) -> None:
    """Add districts (each with a sub-agreement and targets) and approved months from
    06/2023 for every district, with all four indicators. Can be called again to grow."""
    plan = w.plan
    first = OrgUnit.objects.filter(code__startswith="X").count()
    for n in range(first, first + districts):
        unit = OrgUnit.objects.create(
            code=f"X{n}", name=f"Huyện Thêm {n}", kind="district", parent=w.province
        )
        f.SubAgreementFactory(parent=plan, org_unit=unit)
    subs = list(Agreement.objects.filter(parent=plan))
    for sub in subs:
        Target.objects.get_or_create(
            agreement=sub, indicator=w.patrol, year=None, defaults={"value": 100}
        )
        Target.objects.get_or_create(
            agreement=sub, indicator=w.vneid, year=None, defaults={"value": 1000}
        )
    reports = [
        MonthlyReport(sub_agreement=sub, month=add_months(D(2023, 6, 1), i), status=APPROVED)
        for sub in subs
        for i in range(months)
    ]
    MonthlyReport.objects.bulk_create(reports, ignore_conflicts=True)
    values = []
    for report in MonthlyReport.objects.filter(sub_agreement__parent=plan, values__isnull=True):
        values += [
            ActivityValue(report=report, indicator=w.patrol, value=4),
            ActivityValue(report=report, indicator=w.mediation, value=1),
            ActivityValue(report=report, indicator=w.vneid, value=100 + report.month.month),
            ActivityValue(report=report, indicator=w.online, numerator=3, denominator=7),
        ]
    ActivityValue.objects.bulk_create(values)
    rollups_rebuild(plan_ids=[plan.pk])


# Fixed numbers of queries; each page reads once (twice on the province page: figures and
# trends) which units were taken over by others, so a stock is not counted twice, and the
# header bell's unread count, and whether the plan has sample months (the "Dữ liệu mẫu" label).
# The whole province's official figures and trends come from the plan-level rollups, with
# what they need of the units (month spans, target sums, units taken over) read for the
# plan as a whole: one query more than loading every unit, and rows that do not grow.
PAGES = [
    ("province", lambda w: PROVINCE, 33),
    (
        "province_filtered",
        lambda w: PROVINCE + "?period=2024-Q1&task=1&provisional=1&sort=-status",
        32,
    ),
    ("province_by_former_district", lambda w: PROVINCE + "?group=former", 35),
    ("district", lambda w: district_url(w.sub_a, "?period=2024"), 28),
    ("indicator", lambda w: indicator_url("VNEID"), 24),
    ("indicator_ratio", lambda w: indicator_url("DVC_TT", "?period=2024-H1"), 24),
]


@pytest.mark.parametrize(("name", "url", "limit"), PAGES)
@pytest.mark.parametrize(("districts", "months"), [(0, 3), (10, 24)])
def test_dashboard_query_count_does_not_grow_with_data(
    client, world, django_assert_max_num_queries, name, url, limit, districts, months
):
    _grow(world, districts, months)
    client.force_login(world.leader)
    with django_assert_max_num_queries(limit):
        response = client.get(url(world))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "url", "limit"), PAGES)
def test_dashboard_query_count_is_the_same_at_two_sizes(client, world, name, url, limit):
    client.force_login(world.leader)
    _grow(world, 0, 3)
    client.get(url(world))  # the first request after login renews the session (a write)
    with CaptureQueriesContext(connection) as small:
        client.get(url(world))
    _grow(world, 10, 24)  # 12 districts × 24 months instead of 2 × 3
    with CaptureQueriesContext(connection) as large:
        client.get(url(world))
    assert len(large) == len(small)


def test_benchmark_dashboard_prints_constant_query_counts_and_leaves_no_trace(db):
    out = io.StringIO()
    call_command("benchmark", "dashboard", "--factor", "2", "--runs", "1", stdout=out)
    lines = out.getvalue().splitlines()
    rows = [line for line in lines if line.startswith(("province", "district", "indicator"))]
    assert len(rows) == 6
    for row in rows:
        queries, queries_large = row[42:].split()[:2]
        assert queries == queries_large, row
    assert "rolled back" in lines[-1]
    assert not Agreement.objects.exists() and not MonthlyReport.objects.exists()


def test_years_and_ids_are_not_written_with_thousand_separators(client, data):
    unit = OrgUnit.objects.create(code="BIG", name="Huyện Số Lớn", kind="district")
    big = f.SubAgreementFactory(pk=12345, parent=data.plan, org_unit=unit)
    client.force_login(data.leader)
    html = client.get(PROVINCE + "?period=2024").content.decode()
    assert f'<option value="{big.pk}">' in html
    assert "Chỉ tiêu 2024</th>" in html and "2.024" not in html


def test_english_page_uses_english_indicator_names(client, data):
    data.patrol.name_en = "Joint night patrol shifts"
    data.patrol.save()
    client.force_login(data.leader)
    client.cookies["django_language"] = "en"
    html = client.get(PROVINCE + "?period=2024-Q1").content.decode()
    assert "Joint night patrol shifts" in html
    assert "Progress of the plan" in html
