"""The province page costs the same whatever the number of units: the same queries and
(within a fixed tolerance) the same HTML at 21 and 210 units. The whole tables are on the
units and grid pages (paginated) and in the downloads."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_differences, rollups_rebuild
from agreements.models import Agreement, OrgUnit
from core.calendar import months_between

PROVINCE = reverse("reports:province")
# Names, links and numbers differ a little in length from one unit to another; nothing
# on the page is repeated per unit, so a fixed allowance covers it at any size.
TOLERANCE = 4 * 1024


def _units(world, total: int) -> None:
    """Grow the world to ``total`` units with bulk inserts: each unit approved every month
    07/2023–12/2024 with a patrol figure, a stock and a ratio."""
    have = Agreement.objects.filter(parent=world.plan).count()
    units = OrgUnit.objects.bulk_create(
        OrgUnit(code=f"X{n:04d}", name=f"Xã Thử {n:04d}", kind="commune", parent=world.province)
        for n in range(have - 2, total - 2)
    )
    subs = Agreement.objects.bulk_create(
        Agreement(
            code=f"HD-{unit.code}",
            title="Thỏa thuận",
            signed_on=world.sub_a.signed_on,
            start_date=world.sub_a.start_date,
            end_date=world.sub_a.end_date,
            status=world.sub_a.status,
            org_unit=unit,
            parent=world.plan,
        )
        for unit in units
    )
    months = months_between(dt.date(2023, 7, 1), dt.date(2024, 12, 1))
    all_subs = [*([world.sub_a, world.sub_b] if have == 2 else []), *subs]
    MonthlyReport.objects.bulk_create(
        MonthlyReport(sub_agreement=sub, month=month, status="approved")
        for sub in all_subs
        for month in months
    )
    values = []
    for report in MonthlyReport.objects.filter(sub_agreement__in=all_subs):
        values += [
            ActivityValue(report=report, indicator=world.patrol, value=report.pk % 7),
            ActivityValue(report=report, indicator=world.mediation, value=1),
            ActivityValue(report=report, indicator=world.vneid, value=100 + report.month.month),
            ActivityValue(report=report, indicator=world.online, numerator=3, denominator=7),
        ]
    ActivityValue.objects.bulk_create(values, batch_size=2000)
    rollups_rebuild(plan_ids=[world.plan.pk])


def _province(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PROVINCE + query)
    assert response.status_code == 200
    return len(queries), len(response.content)


@pytest.mark.parametrize("query", ["", "?period=2024&sort=-status", "?group=former"])
def test_province_page_costs_the_same_at_21_and_210_units(client, world, query):
    client.force_login(world.leader)
    _units(world, 21)
    client.get(PROVINCE)  # the first request after login renews the session (a write)
    small = _province(client, query)
    _units(world, 210)  # 189 more: 210 in all
    assert Agreement.objects.filter(parent=world.plan).count() == 210
    large = _province(client, query)
    assert large[0] == small[0]
    assert abs(large[1] - small[1]) <= TOLERANCE, (small, large)


def test_units_page_lists_every_unit_over_pages_and_downloads_them_all(client, world):
    _units(world, 60)
    world.unit_a.name = '=HYPERLINK("http://x")'
    world.unit_a.save(update_fields=["name"])
    client.force_login(world.leader)
    url = reverse("reports:units")
    first = client.get(url + "?sort=name").content.decode()
    assert "page=2" in first and "page=3" not in first
    second = client.get(url + "?sort=name&page=2").content.decode()
    assert "Xã Thử 0057" in second and "Xã Thử 0057" not in first
    found = client.get(url + "?q=0042").content.decode()
    assert "Xã Thử 0042" in found and "Xã Thử 0041" not in found
    workbook = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1 + 60
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names  # text, never a live formula
    assert all(isinstance(r[2], (int, float)) for r in rows[1:] if r[2] is not None)
    csv_text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 60
    assert rollups_differences() == []


def test_grid_page_is_paginated_by_units(client, world):
    _units(world, 60)
    client.force_login(world.leader)
    html = client.get(reverse("reports:grid")).content.decode()
    assert html.count('<th scope="row">') == 50 + 1  # and the line for all units


def test_a_long_unit_list_becomes_a_name_search(client, world):
    _units(world, 60)
    client.force_login(world.leader)
    html = client.get(PROVINCE).content.decode()
    assert 'name="unit"' in html and "Xã Thử 0042" not in html.split('class="filters"')[1][:4000]
    response = client.get(PROVINCE + "?unit=Thử 0042")
    target = Agreement.objects.get(org_unit__name="Xã Thử 0042")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reports:district", args=[target.pk]))
    several = client.get(PROVINCE + "?unit=Thử 004")
    assert several["Location"].startswith(reverse("reports:units"))
