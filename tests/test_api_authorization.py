"""Who may call what: every operation of the API's schema × every role × own or another
district, against one table. Operations come from the live schema, so a new endpoint
without a row fails `test_every_operation_is_in_the_table`. Each call runs in a rolled-back
transaction, so a write allowed to one role leaves the data as it was for the next.

Outcomes are status codes: 401 without a token, 404 for another district's objects (never
403, which would tell a district that the id exists), 403 for a wrong role."""

import pytest
from django.db import transaction

from activities.models import MonthlyReport
from agreements.models import Membership
from tests import factories as f
from tests.api_helpers import API, call, service_token
from tests.test_api_write import FULL_MONTH

ROLES = (
    "anon",
    "officer_own",
    "officer_other",
    "viewer_own",
    "viewer_other",
    "staff",
    "leader",
    "admin",
)
# fmt: off
# Columns:       anon off.own off.oth view.own view.oth staff leader admin
READ_ALL =       "401  200     200     200      200      200   200    200"
DISTRICT_READ =  "401  200     404     200      404      200   200    200"
DISTRICT_WRITE = "401  200     404     403      404      200   403    200"
REVIEW =         "401  403     404     403      404      200   403    200"

EXPECTED = {
    ("GET", "/plans"):                                       READ_ALL,
    ("GET", "/plans/{plan_id}"):                             READ_ALL,
    ("GET", "/plans/{plan_id}/tasks"):                       READ_ALL,
    ("GET", "/plans/{plan_id}/indicators"):                  READ_ALL,
    ("GET", "/units"):                                       READ_ALL,
    # Lists take the district as a filter: another district's is a 404, as on the pages.
    ("GET", "/sub-agreements"):                              DISTRICT_READ,
    ("GET", "/sub-agreements/{sub_agreement_id}"):           DISTRICT_READ,
    ("GET", "/targets"):                                     DISTRICT_READ,
    ("GET", "/baselines"):                                   DISTRICT_READ,
    ("GET", "/reports"):                                     DISTRICT_READ,
    ("GET", "/reports/{report_id}"):                         DISTRICT_READ,
    ("GET", "/sub-agreements/{sub_agreement_id}/months"):    DISTRICT_READ,
    ("PUT", "/sub-agreements/{sub_agreement_id}/months/{month}"): DISTRICT_WRITE,
    ("POST", "/reports/{report_id}/submit"):                 DISTRICT_WRITE,
    ("POST", "/reports/{report_id}/approve"):                REVIEW,
    ("POST", "/reports/{report_id}/return"):                 REVIEW,
    ("POST", "/reports/{report_id}/reopen"):                 REVIEW,
    ("GET", "/figures/province"):                            DISTRICT_READ,
    # The districts table has no district filter: each caller gets the rows of its scope.
    ("GET", "/figures/districts"):                           READ_ALL,
    ("GET", "/figures/completeness"):                        DISTRICT_READ,
}
# fmt: on

# Which report each operation acts on: one in the state the action needs.
REPORT_FOR = {
    "submit": "draft",
    "approve": "submitted",
    "return": "submitted",
    "reopen": "approved",
}
BODIES = {
    "PUT": {"version": 0, "values": FULL_MONTH},
    "submit": lambda report: {"version": report.version},
    "approve": lambda report: {"version": report.version},
    "return": lambda report: {"version": report.version, "reason": "Thiếu số liệu"},
    "reopen": lambda report: {"version": report.version, "reason": "Sửa số liệu"},
}


def schema_operations(client) -> set[tuple[str, str]]:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    return {
        (method.upper(), path.removeprefix(API))
        for path, operations in paths.items()
        for method in operations
    }


@pytest.fixture
def ctx(world):
    Role = Membership.Role
    world.tokens = {
        "officer": service_token(world, Role.DISTRICT_OFFICER, world.unit_a)[1],
        "viewer": service_token(world, Role.DISTRICT_VIEWER, world.unit_a)[1],
        "staff": service_token(world, Role.PROVINCIAL_STAFF, world.province)[1],
        "leader": service_token(world, Role.LEADERSHIP, world.province)[1],
        "admin": service_token(world, Role.ADMIN, world.province)[1],
    }
    world.reports = {}
    for suffix, sub in (("a", world.sub_a), ("b", world.sub_b)):
        for month, status in ((1, "approved"), (2, "draft"), (3, "submitted")):
            report = f.MonthlyReportFactory(
                sub_agreement=sub, month=world.month.replace(month=month), status=status
            )
            for indicator in world.indicators:
                if indicator.is_ratio:
                    f.ActivityValueFactory(
                        report=report, indicator=indicator, value=None, numerator=1, denominator=2
                    )
                else:
                    f.ActivityValueFactory(report=report, indicator=indicator, value=5)
            world.reports[(suffix, status)] = report
    return world


def _secret(role: str, ctx) -> str | None:
    if role == "anon":
        return None
    return ctx.tokens[role.split("_")[0]]


def _request(method: str, template: str, ctx, other: bool):
    suffix = "b" if other else "a"
    sub = ctx.sub_b if other else ctx.sub_a
    unit = ctx.unit_b if other else ctx.unit_a
    action = template.rsplit("/", 1)[-1]
    report = ctx.reports[(suffix, REPORT_FOR.get(action, "submitted"))]
    path = (
        template.replace("{plan_id}", str(ctx.plan.pk))
        .replace("{sub_agreement_id}", str(sub.pk))
        .replace("{report_id}", str(report.pk))
        .replace("{month}", "2024-05")
    )
    filtered_by_district = ("/targets", "/baselines", "/reports", "/figures/province")
    if method == "GET" and template in (*filtered_by_district, "/figures/completeness"):
        path += f"?sub_agreement={sub.pk}"
    elif template == "/sub-agreements":
        path += f"?unit={unit.pk}"
    body = None
    if method == "PUT":
        body = BODIES["PUT"]
    elif method == "POST":
        body = BODIES[action](report)
    return path, body


def test_every_operation_is_in_the_table(client, db):
    operations = schema_operations(client)
    assert sorted(operations - set(EXPECTED)) == [], "add a row to EXPECTED"
    assert sorted(set(EXPECTED) - operations) == [], "EXPECTED lists operations that are gone"


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_operation_answers_each_role_as_the_table_says(method, template, ctx, client, settings):
    settings.API_RATE_PER_MINUTE = 10**6
    mismatches = []
    for role, expected in zip(ROLES, EXPECTED[(method, template)].split(), strict=True):
        path, body = _request(method, template, ctx, other=role.endswith("_other"))
        with transaction.atomic():
            response = call(client, method, path, _secret(role, ctx), body)
            transaction.set_rollback(True)
        if str(response.status_code) != expected:
            mismatches.append(
                f"{method} {path} as {role}: expected {expected}, got {response.status_code} "
                f"{response.content[:200]!r}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_a_district_system_lists_only_its_own_district(ctx, client):
    secret = ctx.tokens["officer"]
    reports = call(client, "GET", "/reports", secret).json()
    assert {r["sub_agreement_id"] for r in reports["items"]} == {ctx.sub_a.pk}
    subs = call(client, "GET", "/sub-agreements", secret).json()
    assert [s["id"] for s in subs["items"]] == [ctx.sub_a.pk]
    rows = call(client, "GET", "/figures/districts", secret).json()["rows"]
    assert [r["sub_agreement_id"] for r in rows] == [ctx.sub_a.pk]
    grid = call(client, "GET", "/figures/completeness", secret).json()["rows"]
    assert [r["sub_agreement_id"] for r in grid] == [ctx.sub_a.pk]
    assert MonthlyReport.objects.count() == 6
