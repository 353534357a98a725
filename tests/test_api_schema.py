"""The OpenAPI schema is a valid OpenAPI 3 document, and the live API keeps to it:
schemathesis generates requests for every operation from the schema (a bounded number of
examples each, with a provincial staff token) and checks each answer — never a server
error, status codes, content types, headers and bodies exactly as documented."""

import time

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from activities.models import MonthlyReport
from agreements.models import Membership
from tests import factories as f
from tests.api_helpers import API, service_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10


def test_schema_is_valid_openapi_3_at_a_stable_url(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)
    # Every operation documents the one error shape.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "404"):
                assert status in operation["responses"], f"{method} {path} {status}"


def test_docs_page_is_served_from_our_static_files(client, world):
    client.force_login(world.staff)
    page = client.get(f"{API}/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


def _exercise(operation, headers: dict, failures: list, real_ids: dict) -> int:
    """Run the generated examples of one operation; the number run. Every other example
    has its ids replaced by ones that exist, so the answers are not all 404s."""
    seen = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def exercise(case):
        seen.append(case)
        if len(seen) % 2 == 0:
            for where in (case.path_parameters, case.query):
                for name, choices in real_ids.items():
                    if where is not None and name in where:
                        where[name] = choices[len(seen) // 2 % len(choices)]
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as error:  # collected, so one run reports every operation
            failures.append(f"{operation.label}: {error}")

    exercise()
    return len(seen)


def test_live_api_keeps_to_its_schema(world, settings):
    # The generated calls come fast: no rate limit here (tests/test_api_tokens.py has it).
    settings.API_RATE_PER_MINUTE = 10**9
    # Data for the generated ids to hit now and then: a month per status for district A.
    for month, status in ((1, "approved"), (2, "submitted"), (3, "draft"), (4, "returned")):
        report = f.MonthlyReportFactory(
            sub_agreement=world.sub_a, month=world.month.replace(month=month), status=status
        )
        f.ActivityValueFactory(report=report, indicator=world.patrol, value=month)
    reports = list(MonthlyReport.objects.values_list("pk", flat=True))
    subs = [world.sub_a.pk, world.sub_b.pk]
    real_ids = {
        "report_id": reports,
        "sub_agreement_id": subs,
        "sub_agreement": subs,
        "plan_id": [world.plan.pk],
        "plan": [world.plan.pk],
        "unit": [world.unit_a.pk],
        "month": ["2024-05", "2024-02", "2024-04"],
        "period": ["2024-Q1", "2024", "plan", "2024-03"],
    }
    _, secret = service_token(world, Membership.Role.PROVINCIAL_STAFF, world.province)
    headers = {"Authorization": f"Bearer {secret}"}
    failures, examples, operations = [], 0, 0
    started = time.monotonic()
    # Django closes the connection at the end of each request; the test database lives in
    # this test's transaction, so keep it open, as Django's test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application())
        for result in schema.get_all_operations():
            operations += 1
            examples += _exercise(result.ok(), headers, failures, real_ids)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {operations} operations, {examples} examples, "
        f"{len(failures)} failures, {elapsed:.1f} s"
    )
    assert operations >= 20
    assert not failures, "\n\n".join(failures[:10])
    assert MonthlyReport.objects.exists()
