"""One write path for monthly figures: the form, the Excel import and direct service calls
obey the same bounds and rules, with the same message, and a refused write changes
nothing (not even an empty month or an audit row)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from activities import services
from activities.models import ActivityValue, ImportBatch, MonthlyReport
from agreements.selectors import user_scope
from audit.models import AuditEvent
from tests.excel_helpers import row, snapshot, xlsx

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# After every month of the fixtures' plan (06/2023–06/2025) has begun.
pytestmark = pytest.mark.usefixtures("_after_the_plan_started")


@pytest.fixture
def _after_the_plan_started():
    with time_machine.travel(dt.datetime(2024, 7, 10, 9, 0, tzinfo=LOCAL), tick=False):
        yield


def entry_url(world, month="2024-03"):
    return reverse("activities:month_entry", args=[world.sub_a.pk, month])


def form_data(world, *, patrol, action="save", version=0):
    return {
        "version": version,
        "action": action,
        "narrative": "",
        f"v_{world.patrol.pk}": patrol,
    }


def _upload(client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("activities:import_upload"),
        {"file": SimpleUploadedFile("so-lieu.xlsx", content)},
        follow=True,
    )


def _confirm_latest(client, user):
    batch = ImportBatch.objects.filter(user=user).order_by("-pk").first()
    if batch is not None:
        client.post(reverse("activities:import_confirm", args=[batch.token]), follow=True)


TOO_LARGE = "quá lớn (tối đa 10¹²)"


# --- Bounds: a count is 0…10^12 in every path ---------------------------------------------


def test_form_accepts_the_largest_figure_and_refuses_one_more(client, world):
    client.force_login(world.officer_a)
    response = client.post(entry_url(world), form_data(world, patrol=str(10**12 + 1)))
    assert response.status_code == 200
    assert not MonthlyReport.objects.exists()
    response = client.post(entry_url(world), form_data(world, patrol=str(10**12)))
    assert response.status_code == 302
    assert ActivityValue.objects.get().value == 10**12


@pytest.mark.parametrize("number", [10**13, 2**63, 10**30, 10**300])
def test_import_refuses_a_figure_above_the_bound_at_preview_and_confirm(client, world, number):
    """10^13 passed the import while the form capped at 10^12; 2^63 and 10^30 passed the
    preview and answered 500 on confirm (SQLite OverflowError, PostgreSQL bigint)."""
    client.force_login(world.officer_a)
    before = snapshot()
    page = _upload(client, xlsx([row(value=number)])).content.decode()
    assert "Dòng 2, cột “Giá trị”" in page and "quá lớn" in page
    _confirm_latest(client, world.officer_a)
    assert snapshot() == before


@pytest.mark.parametrize("text", [str(10**13), "1" + "0" * 40, "1.000.000.000.000.000"])
def test_import_refuses_large_figures_typed_as_text(client, world, text):
    client.force_login(world.officer_a)
    before = snapshot()
    page = _upload(client, xlsx([row(value=text)])).content.decode()
    assert "quá lớn" in page
    _confirm_latest(client, world.officer_a)
    assert snapshot() == before


def test_import_accepts_the_largest_figure(client, world):
    client.force_login(world.officer_a)
    _upload(client, xlsx([row(value=10**12)]))
    _confirm_latest(client, world.officer_a)
    assert ActivityValue.objects.get().value == 10**12


def test_service_refuses_a_figure_above_the_bound_and_writes_nothing(world):
    scope = user_scope(world.officer_a)
    with pytest.raises(ValidationError) as error:
        services.report_save_draft(
            sub_agreement=world.sub_a,
            month=dt.date(2024, 3, 1),
            user=world.officer_a,
            scope=scope,
            version=0,
            values={world.patrol.pk: services.ValueInput(value=10**12 + 1)},
        )
    assert TOO_LARGE in " ".join(error.value.messages)
    assert not MonthlyReport.objects.exists() and not AuditEvent.objects.exists()


def test_database_refuses_a_figure_above_the_bound(world):
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=dt.date(2024, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityValue.objects.create(report=report, indicator=world.patrol, value=10**12 + 1)


def test_admin_cannot_edit_monthly_figures(client, world):
    """The administration shows months read-only: figures change only through the write
    path (form, import), never around it."""
    report = MonthlyReport.objects.create(sub_agreement=world.sub_a, month=dt.date(2024, 3, 1))
    ActivityValue.objects.create(report=report, indicator=world.patrol, value=5)
    client.force_login(world.admin)
    url = reverse("admin:activities_monthlyreport_change", args=[report.pk])
    page = client.get(url).content.decode()
    assert 'name="values-0-value"' not in page
    client.post(url, {"values-TOTAL_FORMS": "1", "values-0-value": str(10**13)})
    assert ActivityValue.objects.get().value == 5


# --- The same rule gives the same message in the form and the import -----------------------


def test_form_and_import_explain_a_numerator_above_its_denominator_the_same_way(client, world):
    message = "Tử số (1.200) không được lớn hơn mẫu số (1.000)."
    client.force_login(world.officer_a)
    data = form_data(world, patrol="1")
    data[f"n_{world.online.pk}"], data[f"d_{world.online.pk}"] = "1.200", "1.000"
    page = client.post(entry_url(world), data).content.decode()
    assert message in page
    page = _upload(
        client, xlsx([row(indicator="DVC_TT", numerator=1200, denominator=1000)])
    ).content.decode()
    assert f"Dòng 2, cột “Tử số”: {message}" in page


# --- A refused action writes nothing -------------------------------------------------------


def test_refused_submit_of_a_new_month_leaves_no_empty_draft(client, world):
    """Submitting a new month with indicators missing is refused; before, the month was
    created as an empty draft with no audit event."""
    client.force_login(world.officer_a)
    response = client.post(entry_url(world), form_data(world, patrol="3", action="submit"))
    assert response.status_code == 200
    assert "Hãy nhập" in response.content.decode() or "Nhập" in response.content.decode()
    assert not MonthlyReport.objects.exists()
    assert not ActivityValue.objects.exists()
    assert not AuditEvent.objects.exists()


def test_saving_an_empty_new_month_creates_nothing(client, world):
    client.force_login(world.officer_a)
    response = client.post(entry_url(world), form_data(world, patrol=""), follow=True)
    assert "Không có gì để lưu" in response.content.decode()
    assert not MonthlyReport.objects.exists() and not AuditEvent.objects.exists()


def test_first_save_from_the_form_and_the_import_give_the_same_version_and_audit(client, world):
    client.force_login(world.officer_a)
    client.post(entry_url(world), form_data(world, patrol="4"))
    _upload(client, xlsx([row(month="04/2024", value=4)]))
    _confirm_latest(client, world.officer_a)
    march, april = MonthlyReport.objects.order_by("month")
    assert (march.version, april.version) == (1, 1)
    events = {int(e.object_id): e for e in AuditEvent.objects.all()}
    assert events[march.pk].status_before == events[april.pk].status_before == ""
    assert (
        events[march.pk].after
        == events[april.pk].after
        == {"TUAN_TRA": {"value": 4, "numerator": None, "denominator": None, "comment": ""}}
    )


def test_a_stale_new_month_form_does_not_overwrite_a_colleagues_first_save(client, world):
    """Two officers open the same empty month; the first saves. The second's form still
    says "no report yet" (version 0) and is refused instead of overwriting."""
    client.force_login(world.officer_a)
    client.post(entry_url(world), form_data(world, patrol="4"))
    response = client.post(entry_url(world), form_data(world, patrol="9"))
    assert "Người khác đã thay đổi tháng này" in " ".join(response.content.decode().split())
    assert ActivityValue.objects.get().value == 4
