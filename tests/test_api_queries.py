"""API lists cost a fixed number of queries whatever the page size or the data size
(asserted with the same bound at two sizes of each)."""

import datetime as dt

import pytest

from agreements.models import Membership, UnitSuccession
from tests import factories as f
from tests.api_helpers import call, service_token
from tests.reports_data import month_report, target

# Token with its user, memberships, plan, count, page, and the page's prefetch (values;
# for units, successors and predecessors — and no plan).
LIST_QUERIES = 6


def _grow(world, districts: int) -> None:
    """``districts`` more districts, each with a sub-agreement, targets, a successor and
    three months of figures."""
    for number in range(districts):
        unit = f.OrgUnitFactory(
            code=f"X{number}", name=f"Huyện Thêm {number}", parent=world.province
        )
        successor = f.OrgUnitFactory(code=f"XS{number}", name=f"Xã Mới {number}", kind="commune")
        UnitSuccession.objects.create(predecessor=unit, successor=successor, on=dt.date(2025, 7, 1))
        sub = f.SubAgreementFactory(parent=world.plan, org_unit=unit)
        target(sub, world.patrol, 100, 2024)
        for month in (1, 2, 3):
            month_report(
                sub,
                dt.date(2024, month, 1),
                values={world.patrol: month, world.vneid: 10 * month, world.online: (1, 2)},
            )


PATHS = [
    "/units",
    "/sub-agreements",
    "/targets",
    "/baselines",
    "/reports",
    "/reports?period=2024-Q1&status=approved",
]


@pytest.mark.parametrize(("districts", "limit"), [(2, 5), (25, 50)])
def test_list_queries_do_not_grow_with_page_or_data_size(
    world, client, django_assert_max_num_queries, districts, limit
):
    _grow(world, districts)
    _, secret = service_token(world, Membership.Role.PROVINCIAL_STAFF, world.province)
    call(client, "GET", "/plans", secret)  # the token's last-used time is written once a minute
    for path in PATHS:
        separator = "&" if "?" in path else "?"
        with django_assert_max_num_queries(LIST_QUERIES):
            response = call(client, "GET", f"{path}{separator}limit={limit}", secret)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) == min(limit, body["count"])
    assert call(client, "GET", f"/reports?limit={limit}", secret).json()["count"] == 3 * districts


@pytest.mark.parametrize("districts", [2, 25])
def test_figure_queries_do_not_grow_with_districts(
    world, client, django_assert_max_num_queries, districts
):
    _grow(world, districts)
    _, secret = service_token(world, Membership.Role.LEADERSHIP, world.province)
    call(client, "GET", "/plans", secret)
    for path, bound in (
        # Token, memberships, plan, then the selector's own (7 — the whole province from the
        # plan-level rollups, read for the plan as a whole —, 7 and 2).
        ("/figures/province?period=2024-Q1", 11),
        ("/figures/districts?period=2024", 10),
        ("/figures/completeness", 5),
    ):
        with django_assert_max_num_queries(bound):
            assert call(client, "GET", path, secret).status_code == 200
