"""The administration opens every model's list and form, in Vietnamese."""

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.fixture
def superuser(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


def test_every_registered_model_lists_and_opens(client, world, superuser):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Quản trị kế hoạch" in index
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if admin.site._registry[model].has_add_permission(_request(superuser)):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert client.get(add).status_code == 200, add


def test_staff_sets_a_target_in_the_admin_and_it_is_audited(client, world, superuser):
    from agreements.models import Target
    from audit.models import AuditEvent

    client.force_login(superuser)
    response = client.post(
        reverse("admin:agreements_target_add"),
        {"agreement": world.plan.pk, "indicator": world.patrol.pk, "year": "2024", "value": "1800"},
    )
    assert response.status_code == 302
    target = Target.objects.get()
    assert target.value == 1800
    event = AuditEvent.objects.get(object_type="agreements.target")
    assert event.action == "admin_add" and event.actor == superuser
    assert event.after["value"] == "1800.00"


def test_audit_trail_cannot_be_changed_in_the_admin(client, world, superuser):
    from audit.models import AuditEvent

    event = AuditEvent.objects.create(action="save", actor=superuser)
    client.force_login(superuser)
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    client.post(change, {"reason": "sửa lén"})
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == ""


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_user_page_shows_roles_inline(client, world, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_user_change", args=[world.officer_a.pk]))
    assert page.status_code == 200
    assert "Cán bộ Đoàn cấp huyện, xã" in page.content.decode()


def test_a_role_granted_on_the_user_page_is_audited(client, world, superuser):
    from agreements.models import Membership
    from audit.models import AuditEvent

    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[world.leader.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": world.leader.username,
            "date_joined_0": "01/01/2024",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": Membership.objects.get(user=world.leader).pk,
            "memberships-0-user": world.leader.pk,
            "memberships-0-org_unit": world.province.pk,
            "memberships-0-role": "leadership",
            "memberships-1-user": world.leader.pk,
            "memberships-1-org_unit": world.unit_a.pk,
            "memberships-1-role": "district_viewer",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(user=world.leader, role="district_viewer").exists()
    event = AuditEvent.objects.get(object_type="agreements.membership", action="admin_add")
    assert event.actor == superuser and event.after["role"] == "district_viewer"
