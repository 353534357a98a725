"""The administration: open only to the admin and provincial staff roles, every change it makes
lands in the audit trail, the trail itself is read-only, and uploaded agreement documents are
checked, renamed and served only through a scoped view."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Membership, Target
from audit.models import AuditEvent
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def admin_user(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


def _form_data(response) -> dict:
    """The POST data the admin change form would send back unchanged (main form + inlines)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        for name, field in formset.management_form.fields.items():
            value = formset.management_form.initial.get(name, field.initial)
            data[f"{formset.prefix}-{name}"] = "" if value is None else value
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            if value is None or name == "document":
                continue
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif hasattr(value, "pk"):
                data[key] = value.pk
            elif isinstance(value, dt.date):
                data[key] = value.strftime("%d/%m/%Y")
            elif isinstance(value, list):
                data[key] = [getattr(v, "pk", v) for v in value]
            else:
                data[key] = value
    return data


# --- Who may enter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "staff_flag", "allowed"),
    [
        ("admin", True, True),
        ("staff", True, True),
        # is_staff alone is not enough: the role is required too.
        ("officer_a", True, False),
        ("viewer_a", True, False),
        ("leader", True, False),
        # …and the role alone is not enough either (Django's own rule is kept).
        ("staff", False, False),
    ],
)
def test_admin_is_open_only_to_admin_and_provincial_staff_roles(
    world, client, who, staff_flag, allowed
):
    user = getattr(world, who)
    user.is_staff = staff_flag
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    # A model page, not just the index.
    response = client.get(reverse("admin:agreements_target_changelist"))
    assert (response.status_code in (200, 403)) if allowed else response.status_code == 302


def test_anonymous_user_is_sent_to_the_admin_login(db, client):
    response = client.get(reverse("admin:agreements_agreement_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_district_officer_made_superuser_by_mistake_still_has_the_admin_role(world, client):
    # Superusers count as admins (user_scope adds the role), so this is consistent.
    world.officer_a.is_staff = world.officer_a.is_superuser = True
    world.officer_a.save()
    client.force_login(world.officer_a)
    assert client.get(reverse("admin:index")).status_code == 200


# --- Changes land in the audit trail ------------------------------------------------------


def test_target_change_in_admin_is_audited_with_before_and_after(world, client, admin_user):
    target = Target.objects.create(
        agreement=world.sub_a, indicator=world.patrol, year=2024, value=Decimal("100")
    )
    client.force_login(admin_user)
    url = reverse("admin:agreements_target_change", args=[target.pk])
    data = _form_data(client.get(url))
    data["value"] = "250"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(object_type="agreements.target", object_id=str(target.pk))
    assert event.action == AuditEvent.Action.ADMIN_CHANGE
    assert event.actor == admin_user
    assert event.before == {"value": "100.00"}
    assert event.after == {"value": "250.00"}


def test_membership_add_and_delete_in_admin_are_audited(world, client, admin_user):
    client.force_login(admin_user)
    newcomer = f.UserFactory(username="moi.a")
    response = client.post(
        reverse("admin:agreements_membership_add"),
        {"user": newcomer.pk, "org_unit": world.unit_b.pk, "role": "district_officer"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    added = AuditEvent.objects.get(object_type="agreements.membership", action="admin_add")
    assert added.after["org_unit"] == world.unit_b.pk
    assert added.after["role"] == "district_officer"

    response = client.post(
        reverse("admin:agreements_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    deleted = AuditEvent.objects.get(object_type="agreements.membership", action="admin_delete")
    assert deleted.before["user"] == newcomer.pk
    assert deleted.object_id == str(membership.pk)


def test_membership_bulk_delete_in_admin_is_audited(world, client, admin_user):
    client.force_login(admin_user)
    ids = list(
        Membership.objects.filter(user__in=[world.officer_b, world.viewer_a]).values_list(
            "pk", flat=True
        )
    )
    response = client.post(
        reverse("admin:agreements_membership_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert set(
        AuditEvent.objects.filter(action="admin_delete").values_list("object_id", flat=True)
    ) == {str(pk) for pk in ids}


def test_agreement_change_in_admin_is_audited(world, client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:agreements_agreement_change", args=[world.sub_a.pk])
    data = _form_data(client.get(url))
    data["place"] = "Anh Sơn"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(object_type="agreements.agreement")
    assert event.after == {"place": "Anh Sơn"}
    assert event.before == {"place": world.sub_a.place}


# --- The trail is read-only ---------------------------------------------------------------


def test_audit_trail_cannot_be_edited_or_deleted_in_admin(world, client, admin_user):
    event = AuditEvent.objects.create(actor=world.officer_a, action="save", reason="gốc")
    client.force_login(admin_user)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200  # may look…
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"reason": "sửa"}).status_code == 403  # …never change
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    event.refresh_from_db()
    assert event.reason == "gốc"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_monthly_figures_cannot_be_edited_in_admin(world, client, admin_user):
    report = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month)
    client.force_login(admin_user)
    change = reverse("admin:activities_monthlyreport_change", args=[report.pk])
    assert client.post(change, {"status": "approved"}).status_code == 403
    report.refresh_from_db()
    assert report.status == "draft"


# --- Signed documents ---------------------------------------------------------------------


def _upload(client, world, content: bytes, name: str = "ky-ket.pdf"):
    url = reverse("admin:agreements_agreement_change", args=[world.sub_a.pk])
    data = _form_data(client.get(url))
    data["document"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(url, data)


def test_signed_document_must_really_be_a_pdf(world, client, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    response = _upload(client, world, b"<html><script>alert(1)</script></html>", "fake.pdf")
    assert response.status_code == 200
    assert "Văn bản ký kết phải là tệp PDF." in response.content.decode()
    world.sub_a.refresh_from_db()
    assert not world.sub_a.document
    assert not list(tmp_path.rglob("*"))


def test_signed_document_over_the_size_limit_is_refused(
    world, client, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(admin_user)
    response = _upload(client, world, PDF + b"0" * 2048)
    assert response.status_code == 200
    assert "Tệp quá lớn" in response.content.decode()
    world.sub_a.refresh_from_db()
    assert not world.sub_a.document


def test_signed_document_is_stored_under_a_random_name_and_served_in_scope(
    world, client, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(admin_user)
    response = _upload(client, world, PDF, "Quy chế Anh Sơn <script>.pdf")
    assert response.status_code == 302
    world.sub_a.refresh_from_db()
    stored = world.sub_a.document.name
    assert "Anh" not in stored and "script" not in stored
    assert stored.endswith(".pdf") and len(stored.rsplit("/", 1)[-1]) == 36
    other = f.UserFactory(username="doan.a2")
    f.MembershipFactory(user=other, org_unit=world.unit_a, role="district_viewer")
    url = reverse("agreements:document", args=[world.sub_a.pk])

    client.force_login(world.officer_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(world.officer_b)
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{stored}").status_code == 404
    # The upload itself is audited, with the random name only.
    event = AuditEvent.objects.get(object_type="agreements.agreement")
    assert event.after == {"document": stored}


# --- The audit pages ----------------------------------------------------------------------


def test_staff_read_the_trail_per_user_and_per_report(world, client):
    from activities import services
    from agreements.selectors import user_scope

    report = f.MonthlyReportFactory(sub_agreement=world.sub_a, month=world.month)
    services.report_save_draft(
        report=report,
        user=world.officer_a,
        scope=user_scope(world.officer_a),
        version=1,
        values={world.patrol.pk: services.ValueInput(value=12)},
    )
    other = f.MonthlyReportFactory(sub_agreement=world.sub_b, month=world.month)
    services.report_save_draft(
        report=other,
        user=world.officer_b,
        scope=user_scope(world.officer_b),
        version=1,
        values={world.patrol.pk: services.ValueInput(value=7)},
    )
    client.force_login(world.staff)

    page = client.get(reverse("audit:user", args=[world.officer_a.pk])).content.decode()
    assert "Huyện Anh Sơn" in page and "Huyện Bình Thử" not in page
    # Indicators by name and figures as figures, not codes and field names.
    assert "Ca tuần tra ban đêm" in page and "<dd>12</dd>" in page
    assert "TUAN_TRA" not in page and "<dd>value=" not in page

    page = client.get(reverse("audit:list"), {"report": other.pk}).content.decode()
    assert "Huyện Bình Thử" in page and "Huyện Anh Sơn" not in page
    assert "Nhật ký thay đổi" in page

    # Nonsense filters are ignored, never a 500.
    for junk in ({"report": "1; DROP TABLE"}, {"user": "9" * 40}, {"action": "<x>"}):
        assert client.get(reverse("audit:list"), junk).status_code == 200
    assert client.get(reverse("audit:user", args=[987654])).status_code == 404


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("agency", "org_unit"),
        ("membership", "org_unit"),
        ("orgunit", "parent"),
        ("target", "agreement"),
        ("agreement", "parent"),
    ],
)
def test_forged_autocomplete_values_are_refused_not_a_crash(
    world, client, admin_user, model, field
):
    """Found by the wapiti scan: a non-numeric id in an autocomplete field was a 500."""
    client.force_login(admin_user)
    url = reverse(f"admin:agreements_{model}_add")
    data = _form_data(client.get(url))
    data[field] = "¿'\"("
    response = client.post(url, data)
    assert response.status_code == 200
    assert "hợp lệ" in response.content.decode()  # "… không hợp lệ": refused, in Vietnamese


def test_agreement_inline_rows_are_audited(world, client, admin_user):
    """Tasks and parties are edited inline on the agreement page; they are audited too."""
    client.force_login(admin_user)
    url = reverse("admin:agreements_agreement_change", args=[world.plan.pk])
    data = _form_data(client.get(url))
    first_task = world.tasks[0]
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("tasks-") and key.endswith("-id") and value == first_task.pk
    )
    data[f"tasks-{index}-name"] = "Tuần tra kiểm soát ban đêm"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(object_type="agreements.task")
    assert event.action == AuditEvent.Action.ADMIN_CHANGE
    assert event.object_id == str(first_task.pk)
    assert event.before == {"name": "Nhiệm vụ 1"}
    assert event.after == {"name": "Tuần tra kiểm soát ban đêm"}
