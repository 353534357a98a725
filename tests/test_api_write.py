"""Writes through the API are the portal's writes: the same service as the form and the
Excel import, the same checks (field paths in the answer), versions with a 409 on a stale
one that changes nothing, the workflow rules, and an audit event whose actor is the token's
user and whose reason names the token."""

import pytest

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Membership
from audit.models import AuditEvent
from tests.api_helpers import call, service_token

Role = Membership.Role
FULL_MONTH = {
    "TUAN_TRA": {"value": 12},
    "HOA_GIAI": {"value": 3},
    "VNEID": {"value": 900},
    "DVC_TT": {"numerator": 40, "denominator": 50},
}


@pytest.fixture
def officer(world):
    token, secret = service_token(world, Role.DISTRICT_OFFICER, world.unit_a, name="PM Anh Sơn")
    return token, secret


@pytest.fixture
def staff(world):
    return service_token(world, Role.PROVINCIAL_STAFF, world.province, name="Kho dữ liệu")[1]


def _month_path(world, month="2024-05", sub=None):
    return f"/sub-agreements/{(sub or world.sub_a).pk}/months/{month}"


def test_officer_system_submits_a_month(world, client, officer):
    token, secret = officer
    response = call(
        client,
        "PUT",
        _month_path(world),
        secret,
        {"version": 0, "values": FULL_MONTH, "narrative": "Tháng 5", "submit": True},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["month"] == "2024-05"
    assert body["values"]["DVC_TT"] == {
        "value": None,
        "numerator": 40,
        "denominator": 50,
        "comment": "",
    }
    report = MonthlyReport.objects.get(pk=body["id"])
    assert report.status == "submitted" and report.version == body["version"]
    assert report.submitted_by == token.user
    events = list(AuditEvent.objects.about("monthly_report", report.pk).order_by("id"))
    assert [e.action for e in events] == ["save", "submit"]
    for event in events:
        assert event.actor == token.user
        assert "PM Anh Sơn" in event.reason and token.prefix in event.reason


def test_saved_draft_then_submitted_with_its_version(world, client, officer):
    _, secret = officer
    saved = call(client, "PUT", _month_path(world), secret, {"version": 0, "values": FULL_MONTH})
    assert saved.json()["status"] == "draft"
    version = saved.json()["version"]
    submitted = call(
        client, "POST", f"/reports/{saved.json()['id']}/submit", secret, {"version": version}
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_stale_write_is_a_409_and_changes_nothing(world, client, officer):
    _, secret = officer
    first = call(client, "PUT", _month_path(world), secret, {"version": 0, "values": FULL_MONTH})
    report_id = first.json()["id"]
    before = (
        list(ActivityValue.objects.values_list("indicator__code", "value").order_by("pk")),
        MonthlyReport.objects.get(pk=report_id).version,
        AuditEvent.objects.count(),
    )
    stale = call(
        client,
        "PUT",
        _month_path(world),
        secret,
        {"version": 0, "values": {"TUAN_TRA": {"value": 99}}, "submit": True},
    )
    assert stale.status_code == 409
    error = stale.json()["errors"][0]
    assert error["code"] == "stale" and error["field"] == "version"
    assert "Người khác" in error["message"] or "người khác" in error["message"]
    after = (
        list(ActivityValue.objects.values_list("indicator__code", "value").order_by("pk")),
        MonthlyReport.objects.get(pk=report_id).version,
        AuditEvent.objects.count(),
    )
    assert after == before
    stale_submit = call(client, "POST", f"/reports/{report_id}/submit", secret, {"version": 0})
    assert stale_submit.status_code == 409
    assert MonthlyReport.objects.get(pk=report_id).status == "draft"


@pytest.mark.parametrize(
    ("figures", "field", "words"),
    [
        ({"DVC_TT": {"numerator": 60, "denominator": 50}}, "values.DVC_TT.numerator", "lớn hơn"),
        ({"TUAN_TRA": {"value": -1}}, "values.TUAN_TRA.value", "âm"),
        ({"TUAN_TRA": {"value": 10**13}}, "values.TUAN_TRA.value", "quá lớn"),
        ({"TUAN_TRA": {"value": "1.800"}}, "values.TUAN_TRA.value", "số nguyên"),
        ({"TUAN_TRA": {"numerator": 1, "denominator": 2}}, "values.TUAN_TRA.numerator", ""),
        ({"KHONG_CO": {"value": 1}}, "values.KHONG_CO", ""),
        ({"TUAN_TRA": {"value": 1, "extra": 2}}, "values.TUAN_TRA.extra", ""),
        ({"TUAN_TRA": {"value": 1, "comment": "x" * 501}}, "values.TUAN_TRA.comment", "500"),
    ],
)
def test_invalid_figures_name_their_field_in_vietnamese(
    world, client, officer, figures, field, words
):
    _, secret = officer
    response = call(client, "PUT", _month_path(world), secret, {"version": 0, "values": figures})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    assert words in " ".join(e["message"] for e in errors)
    assert not MonthlyReport.objects.exists()


def test_submit_with_missing_figures_is_refused_and_leaves_nothing(world, client, officer):
    _, secret = officer
    response = call(
        client,
        "PUT",
        _month_path(world),
        secret,
        {"version": 0, "values": {"TUAN_TRA": {"value": 1}}, "submit": True},
    )
    assert response.status_code == 422
    # Indicators by name: the message is for people (the code is in the request itself).
    assert "Vụ mâu thuẫn hòa giải thành công" in response.json()["errors"][0]["message"]
    assert not MonthlyReport.objects.exists()


def test_future_month_and_month_outside_the_agreement_are_refused(world, client, officer):
    _, secret = officer
    for month in ("2025-03", "2023-01"):
        response = call(
            client, "PUT", _month_path(world, month), secret, {"version": 0, "values": FULL_MONTH}
        )
        assert response.status_code == 422, month
    bad = call(client, "PUT", _month_path(world, "2024-13"), secret, {"version": 0})
    assert bad.status_code == 422


def test_provincial_system_approves_and_returns_with_a_reason(world, client, officer, staff):
    _, officer_secret = officer
    first = call(
        client,
        "PUT",
        _month_path(world),
        officer_secret,
        {"version": 0, "values": FULL_MONTH, "submit": True},
    ).json()
    no_reason = call(
        client,
        "POST",
        f"/reports/{first['id']}/return",
        staff,
        {"version": first["version"], "reason": " "},
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    returned = call(
        client,
        "POST",
        f"/reports/{first['id']}/return",
        staff,
        {"version": first["version"], "reason": "Thiếu số liệu tuần tra"},
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reason"] == "Thiếu số liệu tuần tra"
    event = AuditEvent.objects.filter(action="return").get()
    assert event.reason.startswith("Thiếu số liệu tuần tra") and "Kho dữ liệu" in event.reason
    resubmitted = call(
        client,
        "PUT",
        _month_path(world),
        officer_secret,
        {
            "version": returned.json()["version"],
            "values": {"TUAN_TRA": {"value": 14}},
            "submit": True,
        },
    ).json()
    approved = call(
        client,
        "POST",
        f"/reports/{first['id']}/approve",
        staff,
        {"version": resubmitted["version"]},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # Approved months are locked, for the API as for the form.
    locked = call(
        client,
        "PUT",
        _month_path(world),
        officer_secret,
        {"version": approved.json()["version"], "values": {"TUAN_TRA": {"value": 1}}},
    )
    assert locked.status_code == 422


def test_officer_system_cannot_review_or_write_another_district(world, client, officer, staff):
    _, secret = officer
    report = call(
        client,
        "PUT",
        _month_path(world),
        secret,
        {"version": 0, "values": FULL_MONTH, "submit": True},
    ).json()
    approve = call(
        client, "POST", f"/reports/{report['id']}/approve", secret, {"version": report["version"]}
    )
    assert approve.status_code == 403
    other = call(
        client,
        "PUT",
        _month_path(world, sub=world.sub_b),
        secret,
        {"version": 0, "values": FULL_MONTH},
    )
    assert other.status_code == 404
    assert MonthlyReport.objects.get(pk=report["id"]).status == "submitted"
