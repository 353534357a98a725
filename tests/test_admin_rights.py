"""The administration audits every add, change and delete — users included (rights, groups,
permissions, a password set by an admin: that it was set, never the hash) — and only the
admin role hands out rights: provincial staff cannot raise anyone's rights, their own
included, whether through the form or a forged POST."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agreements import plan_data
from agreements.models import Membership
from audit.models import AuditEvent
from tests import factories as f


@pytest.fixture
def superuser(world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    return world.admin


@pytest.fixture
def staff(world):
    """Provincial staff as load_demo sets them up: staff, with the management permissions."""
    world.staff.is_staff = True
    world.staff.save()
    world.staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["agreements", "activities", "audit", "auth"]
        )
    )
    return world.staff


def _user_data(client, user) -> dict:
    """What the user change form posts back unchanged (fields it offers, and the roles)."""
    # The form shows whole seconds: start from a join time it can post back unchanged.
    type(user).objects.filter(pk=user.pk).update(date_joined=timezone.now().replace(microsecond=0))
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name == "password" or value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dt.datetime):
            value = timezone.localtime(value)
            data[f"{name}_0"] = value.strftime("%d/%m/%Y")
            data[f"{name}_1"] = value.strftime("%H:%M:%S")
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = value
    memberships = list(Membership.objects.filter(user=user))
    data.update(
        {
            "memberships-TOTAL_FORMS": str(len(memberships)),
            "memberships-INITIAL_FORMS": str(len(memberships)),
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        }
    )
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-user"] = user.pk
        data[f"memberships-{index}-org_unit"] = membership.org_unit_id
        data[f"memberships-{index}-role"] = membership.role
    return data


def _user_events(user, action):
    return AuditEvent.objects.about("auth.user", user.pk).filter(action=action)


def _no_secret_in(events, user):
    text = json.dumps([[e.before, e.after, e.reason] for e in events])
    assert user.password not in text and "md5$" not in text and '"password"' not in text


# --- Every admin action on accounts is audited -----------------------------------------------


def test_adding_a_user_in_admin_is_audited_without_the_password(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "moi.tao",
            "usable_password": "true",
            "password1": "Trăng-sáng-sông-Lam-2025",
            "password2": "Trăng-sáng-sông-Lam-2025",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = f.UserFactory._meta.model.objects.get(username="moi.tao")
    event = _user_events(user, "admin_add").get()
    assert event.actor == superuser
    assert event.after["username"] == "moi.tao" and event.after["usable_password"] is True
    _no_secret_in([event], user)


@pytest.mark.parametrize(
    ("field", "post", "before", "after"),
    [
        ("is_active", {"is_active": None}, True, False),
        ("is_staff", {"is_staff": "on"}, False, True),
        ("is_superuser", {"is_superuser": "on"}, False, True),
    ],
)
def test_admin_changing_account_rights_is_audited(
    world, client, superuser, field, post, before, after
):
    client.force_login(superuser)
    data = _user_data(client, world.viewer_a)
    for name, value in post.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    response = client.post(reverse("admin:auth_user_change", args=[world.viewer_a.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = _user_events(world.viewer_a, "admin_change").get()
    assert event.before == {field: before} and event.after == {field: after}
    assert event.actor == superuser


def test_admin_changing_groups_and_permissions_is_audited(world, client, superuser):
    group = Group.objects.create(name="Thống kê")
    permission = Permission.objects.get(codename="change_target")
    client.force_login(superuser)
    data = _user_data(client, world.viewer_a)
    data["groups"] = [group.pk]
    data["user_permissions"] = [permission.pk]
    response = client.post(reverse("admin:auth_user_change", args=[world.viewer_a.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = _user_events(world.viewer_a, "admin_change").get()
    assert event.before == {"groups": [], "user_permissions": []}
    assert event.after == {
        "groups": ["Thống kê"],
        "user_permissions": ["agreements.change_target"],
    }


def test_a_password_set_by_an_admin_is_recorded_never_its_hash(world, client, superuser):
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[world.officer_a.pk])
    response = client.post(
        url,
        {
            "usable_password": "true",
            "password1": "Gió-Lào-tháng-Sáu-2025",
            "password2": "Gió-Lào-tháng-Sáu-2025",
        },
    )
    assert response.status_code == 302
    world.officer_a.refresh_from_db()
    assert world.officer_a.check_password("Gió-Lào-tháng-Sáu-2025")
    event = _user_events(world.officer_a, "password_set").get()
    assert event.actor == superuser and event.after == {"usable_password": True}
    _no_secret_in(AuditEvent.objects.all(), world.officer_a)


def test_deleting_a_user_in_admin_records_the_account_and_its_roles(world, client, superuser):
    client.force_login(superuser)
    user, membership = world.viewer_a, Membership.objects.get(user=world.viewer_a)
    response = client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not f.UserFactory._meta.model.objects.filter(pk=user.pk).exists()
    event = _user_events(user, "admin_delete").get()
    assert event.before["username"] == "congan.a" and event.after == {}
    role = AuditEvent.objects.about("agreements.membership", membership.pk).get()
    assert role.action == "admin_delete" and role.before["role"] == "district_viewer"
    _no_secret_in([event, role], user)


def test_membership_change_in_admin_is_audited(world, client, superuser):
    membership = Membership.objects.get(user=world.viewer_a)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agreements_membership_change", args=[membership.pk]),
        {"user": world.viewer_a.pk, "org_unit": world.unit_b.pk, "role": "district_viewer"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.about("agreements.membership", membership.pk).get()
    assert event.action == "admin_change"
    assert event.before == {"org_unit": world.unit_a.pk}
    assert event.after == {"org_unit": world.unit_b.pk}


def test_staff_deactivating_a_district_account_is_allowed_and_audited(world, client, staff):
    client.force_login(staff)
    data = _user_data(client, world.viewer_a)
    data.pop("is_active")
    response = client.post(reverse("admin:auth_user_change", args=[world.viewer_a.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.viewer_a.refresh_from_db()
    assert not world.viewer_a.is_active
    event = _user_events(world.viewer_a, "admin_change").get()
    assert event.actor == staff and event.after == {"is_active": False}


# --- No escalation ---------------------------------------------------------------------------


def _rights(user) -> tuple:
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        sorted(user.groups.values_list("pk", flat=True)),
        sorted(user.user_permissions.values_list("pk", flat=True)),
        sorted(Membership.objects.filter(user=user).values_list("role", "org_unit_id")),
    )


def test_staff_see_rights_read_only_on_the_user_page(world, client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:auth_user_change", args=[world.viewer_a.pk]))
    form = page.context["adminform"].form
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert name not in form.fields
    assert "is_active" in form.fields


@pytest.mark.parametrize("whose", ["own", "viewer"])
def test_staff_cannot_grant_superuser_or_staff_by_a_forged_post(world, client, staff, whose):
    target = staff if whose == "own" else world.viewer_a
    client.force_login(staff)
    data = _user_data(client, target)
    group = Group.objects.create(name="Toàn quyền")
    group.permissions.set(Permission.objects.all())
    data.update(
        {
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [group.pk],
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)),
        }
    )
    before = _rights(target)
    response = client.post(reverse("admin:auth_user_change", args=[target.pk]), data)
    assert response.status_code in (200, 302, 403)
    assert _rights(target) == before
    assert not target.is_superuser


def test_the_server_refuses_a_rights_change_even_if_the_form_let_it_through(
    world, client, staff, monkeypatch
):
    """The read-only fields are the first line; the save path checks again on its own."""
    from agreements.admin import UserWithRolesAdmin

    monkeypatch.setattr(UserWithRolesAdmin, "get_readonly_fields", lambda self, r, o=None: ())
    client.force_login(staff)
    data = _user_data(client, world.viewer_a)
    data["is_superuser"] = "on"
    response = client.post(reverse("admin:auth_user_change", args=[world.viewer_a.pk]), data)
    assert response.status_code == 403
    world.viewer_a.refresh_from_db()
    assert not world.viewer_a.is_superuser
    assert not _user_events(world.viewer_a, "admin_change").exists()


def test_staff_cannot_touch_an_account_above_their_own(world, client, staff, superuser):
    client.force_login(staff)
    change = reverse("admin:auth_user_change", args=[superuser.pk])
    data = {"username": superuser.username, "is_active": ""}
    assert client.post(change, data).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    new = {
        "usable_password": "true",
        "password1": "Sóng-Cửa-Lò-2025!",
        "password2": "Sóng-Cửa-Lò-2025!",
    }
    assert client.post(password, new).status_code == 403
    delete = reverse("admin:auth_user_delete", args=[superuser.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [superuser.pk], "post": "yes"},
    )
    assert response.status_code in (302, 403)
    superuser.refresh_from_db()
    assert superuser.is_active and not superuser.check_password("Sóng-Cửa-Lò-2025!")
    assert not AuditEvent.objects.exists()


def test_staff_cannot_create_an_admin_role_or_give_themselves_a_role(world, client, staff):
    client.force_login(staff)
    add = reverse("admin:agreements_membership_add")
    for data in (
        {"user": world.viewer_a.pk, "org_unit": world.province.pk, "role": "admin"},
        {"user": staff.pk, "org_unit": world.unit_a.pk, "role": "district_officer"},
    ):
        response = client.post(add, data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert _rights(world.viewer_a)[4] == [("district_viewer", world.unit_a.pk)]
    assert _rights(staff)[4] == [("provincial_staff", world.province.pk)]
    # …nor turn an existing role into the admin role, nor edit the admin's role.
    own = Membership.objects.get(user=staff)
    response = client.post(
        reverse("admin:agreements_membership_change", args=[own.pk]),
        {"user": staff.pk, "org_unit": world.province.pk, "role": "admin"},
    )
    assert response.status_code == 403
    admin_role = Membership.objects.get(user=world.admin)
    delete = reverse("admin:agreements_membership_delete", args=[admin_role.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:agreements_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [admin_role.pk], "post": "yes"},
    )
    assert response.status_code in (302, 403)
    assert Membership.objects.filter(pk=admin_role.pk).exists()
    assert _rights(staff)[4] == [("provincial_staff", world.province.pk)]
    assert not AuditEvent.objects.exists()


def test_staff_cannot_add_roles_to_their_own_account_on_the_user_page(world, client, staff):
    client.force_login(staff)
    data = _user_data(client, staff)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-1-user": staff.pk,
            "memberships-1-org_unit": world.province.pk,
            "memberships-1-role": "admin",
        }
    )
    before = _rights(staff)
    response = client.post(reverse("admin:auth_user_change", args=[staff.pk]), data)
    assert response.status_code in (200, 302, 403)
    assert _rights(staff) == before


def test_staff_cannot_create_or_change_groups(world, client, staff):
    client.force_login(staff)
    response = client.post(reverse("admin:auth_group_add"), {"name": "Mới"})
    assert response.status_code == 403
    group = Group.objects.create(name="Cũ")
    change = reverse("admin:auth_group_change", args=[group.pk])
    permission = Permission.objects.get(codename="delete_user")
    response = client.post(change, {"name": "Cũ", "permissions": [permission.pk]})
    assert response.status_code == 403
    assert not group.permissions.exists()


def test_the_admin_role_may_grant_rights(world, client, superuser):
    client.force_login(superuser)
    data = _user_data(client, world.staff)
    data["is_staff"] = "on"
    response = client.post(reverse("admin:auth_user_change", args=[world.staff.pk]), data)
    assert response.status_code == 302
    world.staff.refresh_from_db()
    assert world.staff.is_staff


# --- load_plan -------------------------------------------------------------------------------


def test_load_plan_records_one_event_and_a_second_run_none(db):
    call_command("load_plan", stdout=io.StringIO())
    event = AuditEvent.objects.get()
    assert event.action == "plan_load" and event.object_type == "agreements.agreement"
    assert event.after["created"]["Indicator"] == 13
    communes = len(plan_data.communes_2025())
    districts = len(plan_data.DISTRICTS)
    assert event.after["created"]["OrgUnit"] == 1 + districts + communes
    # Cửa Lò and Nghi Lộc into Vinh (2024), each district into its communes (2025).
    assert event.after["created"]["UnitSuccession"] == 2 + communes
    # Nothing changed, so nothing is recorded (the run wrote nothing at all).
    call_command("load_plan", stdout=io.StringIO())
    assert AuditEvent.objects.count() == 1
