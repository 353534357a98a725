"""Issued reports are records: issuing is audited, nothing deletes one (admin, bulk action,
ORM), and a report issued by mistake is withdrawn with a reason — audited, file kept, shown
as withdrawn wherever it is listed or downloaded."""

import pytest
from django.core.files.base import ContentFile
from django.db.models import ProtectedError
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import IssuedReport
from reports.services_pdf import issued_report_withdraw
from tests import factories as f
from tests.test_pdf import _media, docs, issue, issued_pdf  # noqa: F401

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def issued(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = IssuedReport(
        kind="provincial",
        period="2024-Q1",
        period_label="quý I/2024",
        plan=world.plan,
        number_line="Số: 7/BC-CAT",
        title="Báo cáo quý",
        issued_by=world.staff,
        file_sha256="0" * 64,
        figures={},
        figures_sha256="0" * 64,
        issuing_agency=f.AgencyFactory(org_unit=world.province),
    )
    report.file.save("issued.pdf", ContentFile(PDF), save=True)
    return report


@pytest.fixture
def superuser(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


def test_issuing_a_report_writes_an_audit_event(docs, client, django_capture_on_commit_callbacks):  # noqa: F811
    report, _data = issued_pdf(
        issue(client, docs.staff, capture=django_capture_on_commit_callbacks)
    )
    event = AuditEvent.objects.about("reports.issuedreport", report.pk).get()
    assert event.action == AuditEvent.Action.ISSUE and event.actor == docs.staff
    assert event.after["file_sha256"] == report.file_sha256
    assert event.after["number_line"] == report.number_line


def test_an_issued_report_cannot_be_deleted_in_the_admin(client, superuser, issued):
    client.force_login(superuser)
    delete = reverse("admin:reports_issuedreport_delete", args=[issued.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:reports_issuedreport_changelist"),
        {"action": "delete_selected", "_selected_action": [issued.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)  # "no such action": nothing happens
    assert IssuedReport.objects.filter(pk=issued.pk).exists()
    assert issued.file.storage.exists(issued.file.name)
    assert not AuditEvent.objects.filter(action="admin_delete").exists()


def test_an_issued_report_cannot_be_deleted_through_the_orm_either(issued):
    with pytest.raises(ProtectedError):
        issued.delete()
    with pytest.raises(ProtectedError):
        IssuedReport.objects.filter(pk=issued.pk).delete()
    assert IssuedReport.objects.filter(pk=issued.pk).exists()
    assert issued.file.storage.exists(issued.file.name)


def test_staff_withdraw_a_report_with_a_reason_and_it_is_audited(world, client, issued):
    client.force_login(world.staff)
    url = reverse("pdf:issued_withdraw", args=[issued.pk])
    response = client.post(url, {"reason": "Sai số liệu quý, ban hành nhầm."})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.is_withdrawn and issued.withdrawn_by == world.staff
    assert issued.withdrawal_reason == "Sai số liệu quý, ban hành nhầm."
    event = AuditEvent.objects.about("reports.issuedreport", issued.pk).get()
    assert event.action == AuditEvent.Action.WITHDRAW and event.actor == world.staff
    assert event.reason == "Sai số liệu quý, ban hành nhầm."
    # Kept on record, and shown as withdrawn where it is listed and downloaded.
    assert issued.file.storage.exists(issued.file.name)
    page = client.get(reverse("pdf:index")).content.decode()
    assert "Đã thu hồi" in page and "Sai số liệu quý, ban hành nhầm." in page
    download = client.get(reverse("pdf:issued_download", args=[issued.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('-DA-THU-HOI.pdf"')
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize("reason", ["", "   ", "\x00"])
def test_withdrawal_needs_a_reason(world, client, issued, reason):
    client.force_login(world.staff)
    response = client.post(reverse("pdf:issued_withdraw", args=[issued.pk]), {"reason": reason})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert not issued.is_withdrawn
    assert not AuditEvent.objects.filter(action="withdraw").exists()


@pytest.mark.parametrize("who", ["leader", "officer_a", "viewer_a"])
def test_only_reviewers_may_withdraw(world, client, issued, who):
    client.force_login(getattr(world, who))
    response = client.post(reverse("pdf:issued_withdraw", args=[issued.pk]), {"reason": "x"})
    assert response.status_code in (403, 404)
    issued.refresh_from_db()
    assert not issued.is_withdrawn


def test_a_report_is_withdrawn_once(world, issued):
    issued_report_withdraw(report=issued, user=world.staff, reason="Ban hành nhầm.")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        issued_report_withdraw(report=issued, user=world.admin, reason="Lần nữa.")
    assert AuditEvent.objects.filter(action="withdraw").count() == 1
