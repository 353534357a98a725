"""Hostile input through the real forms and views: random and adversarial values never cause a
500, never leave a partial write, and every message the user sees is in Vietnamese.

Each example runs inside a savepoint that is rolled back, so examples do not see each other's
writes; the invariant checked is "all or nothing": after a POST the database either holds
exactly what the form accepted, or exactly what it held before.
"""

import unicodedata

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse
from hypothesis import event as tally
from hypothesis import example, given
from hypothesis import strategies as st

from activities.forms import MonthlyEntryForm
from activities.models import ActivityValue, MonthlyReport
from audit.models import AuditEvent
from core.text import nfc
from tests import factories as f
from tests.fuzz_helpers import (
    assert_vietnamese,
    db_snapshot,
    fuzz_settings,
    hostile_text,
    in_savepoint,
    mostly,
)

MAX_EXAMPLES = 60
FUZZ = fuzz_settings(MAX_EXAMPLES)


@pytest.fixture
def draft(world):
    """A draft month for district A with a figure in it, at version 3."""
    report = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month, version=3)
    f.ActivityValueFactory(report=report, indicator=world.patrol, value=5, comment="cũ")
    return report


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "narrative": hostile_text,
            "patrol": mostly(st.integers(0, 10**6).map(str)),
            "patrol_comment": hostile_text,
            "mediation": mostly(st.integers(0, 10**6).map(str)),
            "vneid": mostly(st.integers(0, 10**6).map(str)),
            "online_n": mostly(st.integers(0, 10**6).map(str)),
            "online_d": mostly(st.integers(0, 10**6).map(str)),
            "online_comment": hostile_text,
            "version": mostly(st.just("3")),
            "action": st.sampled_from(["save", "submit", "", "approve", "<x>"]),
            "stray": hostile_text,
        },
    )
)
# Findings kept as fixed examples (each was a 500 or an English message before the fix):
@example(data={"narrative": "\x00"})  # "Null characters are not allowed." (untranslated)
@example(data={"patrol_comment": "a\x00b", "patrol": "1"})  # NUL: PostgreSQL refuses it
@example(data={"version": str(2**64)})  # a forged version: refused by the form
@example(data={"patrol_comment": "\u0958" * 500, "patrol": "1"})  # NFC: 500 → 1000 chars
@example(data={"narrative": "x" * 1_000_000})
@example(data={"patrol": "1.800", "online_n": "3", "online_d": "4", "action": "submit"})
@example(data={"patrol": "=1+1", "patrol_comment": '=HYPERLINK("http://x")'})
def test_month_entry_survives_hostile_input(world, draft, client, data):
    client.force_login(world.officer_a)
    w = world
    post = {
        "version": data.get("version", "3"),
        "narrative": data.get("narrative", ""),
        f"v_{w.patrol.pk}": data.get("patrol", ""),
        f"c_{w.patrol.pk}": data.get("patrol_comment", ""),
        f"v_{w.mediation.pk}": data.get("mediation", ""),
        f"c_{w.mediation.pk}": "",
        f"v_{w.vneid.pk}": data.get("vneid", ""),
        f"c_{w.vneid.pk}": "",
        f"n_{w.online.pk}": data.get("online_n", ""),
        f"d_{w.online.pk}": data.get("online_d", ""),
        f"c_{w.online.pk}": data.get("online_comment", ""),
        "action": data.get("action", "save"),
        # A field the form does not know, e.g. another district's indicator.
        f"v_{w.patrol.pk}9": data.get("stray", ""),
    }
    url = reverse("activities:month_entry", args=[w.sub_a.pk, w.month.strftime("%Y-%m")])

    def check():
        before = db_snapshot()
        response = client.post(url, post)
        assert response.status_code in (200, 302), response.status_code
        tally("refused" if response.status_code == 200 else "accepted")
        if response.status_code == 200:
            # Refused: nothing changed, and the user is told why, in Vietnamese.
            assert db_snapshot() == before
            form = response.context["form"]
            errors = [str(m) for messages in form.errors.values() for m in messages]
            assert errors or response.context.get("stale")
            assert_vietnamese(errors)
            return
        # Accepted: the database holds exactly what the form accepted, for every indicator.
        indicators = [w.patrol, w.mediation, w.vneid, w.online]
        form = MonthlyEntryForm(post, indicators=indicators)
        assert form.is_valid()
        report = MonthlyReport.objects.get(pk=draft.pk)
        stored = {v.indicator_id: v for v in ActivityValue.objects.filter(report=report)}
        for indicator_id, entry in form.value_inputs().items():
            value = stored.get(indicator_id)
            if entry.is_empty and not nfc(entry.comment):
                assert value is None
                continue
            assert (value.value, value.numerator, value.denominator, value.comment) == (
                entry.value,
                entry.numerator,
                entry.denominator,
                nfc(entry.comment),
            )
            assert "\x00" not in value.comment
            assert value.comment == unicodedata.normalize("NFC", value.comment)
        assert report.narrative == nfc(form.cleaned_data["narrative"])
        if db_snapshot() != before:
            assert report.version > 3
            assert (
                AuditEvent.objects.about("monthly_report", report.pk)
                .filter(version=report.version)
                .exists()
            )
        assert_vietnamese([str(m) for m in get_messages(response.wsgi_request)])

    in_savepoint(check)


@pytest.fixture
def submitted(world):
    report = f.MonthlyReportFactory(
        sub_agreement=world.sub_b,
        month=world.month,
        version=4,
        status=MonthlyReport.Status.SUBMITTED,
    )
    for indicator in world.indicators:
        if indicator.is_ratio:
            f.ActivityValueFactory(
                report=report, indicator=indicator, value=None, numerator=3, denominator=4
            )
        else:
            f.ActivityValueFactory(report=report, indicator=indicator, value=7)
    return report


@FUZZ
@given(
    action=mostly(st.sampled_from(["approve", "return", "reopen"])),
    reason=hostile_text,
    version=mostly(st.sampled_from(["4", "4", "4", "3"])),
)
@example(action="return", reason="\x00", version="4")
@example(action="return", reason="lý do\x00", version=str(2**63))
@example(action="approve", reason="", version="4")
@example(action="return", reason=unicodedata.normalize("NFD", "Thiếu số liệu"), version="4")
def test_review_survives_hostile_input(world, submitted, client, action, reason, version):
    client.force_login(world.staff)
    url = reverse("activities:report_review", args=[submitted.pk])

    def check():
        before = db_snapshot()
        response = client.post(
            url, {"action": action, "reason": reason, "version": version, "confirmed": "1"}
        )
        assert response.status_code == 302
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert messages
        assert_vietnamese(messages)
        after = db_snapshot()
        tally("unchanged" if after == before else f"transition {action}")
        if after == before:
            return
        # A transition happened: figures untouched, status and one audit event changed.
        assert after[0] == before[0]
        report = MonthlyReport.objects.get(pk=submitted.pk)
        event = AuditEvent.objects.about("monthly_report", report.pk).get(version=report.version)
        assert event.action == action
        assert "\x00" not in event.reason and "\x00" not in report.return_reason
        if action == "return":
            assert report.status == "returned" and nfc(reason)
            assert report.return_reason == nfc(reason)
        else:
            assert action == "approve" and report.status == "approved"

    in_savepoint(check)


@FUZZ
@given(username=hostile_text, password=hostile_text)
def test_login_survives_hostile_input(world, client, username, password, settings):
    settings.AXES_ENABLED = False  # the lockout is tested elsewhere; here only the form
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    errors = [str(m) for m in response.context["form"].errors.get("__all__", [])]
    assert_vietnamese(errors)
    assert "_auth_user_id" not in client.session


@FUZZ
@given(old=hostile_text, new1=hostile_text, new2=hostile_text, same=st.booleans())
def test_password_change_survives_hostile_input(world, client, old, new1, new2, same):
    client.force_login(world.officer_a)
    hash_before = world.officer_a.password
    response = client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new1 if same else new2},
    )
    # Nobody knows the real old password here, so every attempt is refused, in Vietnamese.
    assert response.status_code == 200
    errors = [str(m) for messages in response.context["form"].errors.values() for m in messages]
    assert errors
    assert_vietnamese(errors)
    world.officer_a.refresh_from_db()
    assert world.officer_a.password == hash_before


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["user", "report", "object_type", "action", "page"]), hostile_text
    )
)
@example(query={"object_type": "\x00"})  # was a 500 on PostgreSQL
@example(query={"user": "\x00", "report": "１２", "page": "-1", "action": "save\x00"})
def test_audit_filters_survive_hostile_input(world, client, query):
    client.force_login(world.staff)
    # Long values are cut (a URL this long would be refused by nginx first).
    query = {key: value[:2000] for key, value in query.items()}
    response = client.get(reverse("audit:list"), query)
    assert response.status_code == 200


def test_every_fuzz_test_ran_its_examples():
    """Guard against hypothesis silently running fewer examples (e.g. a settings profile)."""
    for test in (
        test_month_entry_survives_hostile_input,
        test_review_survives_hostile_input,
        test_login_survives_hostile_input,
        test_password_change_survives_hostile_input,
        test_audit_filters_survive_hostile_input,
    ):
        assert test.hypothesis.inner_test  # decorated by @given
        assert test._hypothesis_internal_use_settings.max_examples == MAX_EXAMPLES


@pytest.mark.parametrize("existing", [False, True])
def test_service_refuses_a_comment_that_nfc_makes_too_long(world, existing):
    """Imports call the service directly, without the form: it must refuse too. Before the
    fix PostgreSQL raised DataError on insert and bulk_update's CAST silently truncated."""
    from django.core.exceptions import ValidationError

    from activities import services
    from agreements.selectors import user_scope

    report = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month)
    if existing:
        f.ActivityValueFactory(report=report, indicator=world.patrol, value=1, comment="cũ")
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        services.report_save_draft(
            report=report,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            version=1,
            values={world.patrol.pk: services.ValueInput(value=2, comment="\u0958" * 500)},
        )
    assert "TUAN_TRA" in refused.value.message_dict
    assert db_snapshot() == before
