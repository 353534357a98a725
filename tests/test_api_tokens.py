"""Tokens: created by the admin role only, the secret shown once and stored as its SHA-256;
revoked or expired tokens are refused with a 401; each token is rate limited; a person's
session works too, with CSRF on writes."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import Membership
from api.models import ApiToken
from api.services import token_revoke
from audit.models import AuditEvent
from tests import factories as f
from tests.api_helpers import API, call, service_token


@pytest.fixture
def admin_client(world, client):
    world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    return client


def test_admin_creates_a_token_and_sees_the_secret_once(world, admin_client):
    system = f.UserFactory(username="he-thong-anh-son")
    f.MembershipFactory(user=system, org_unit=world.unit_a, role=Membership.Role.DISTRICT_OFFICER)
    response = admin_client.post(
        reverse("admin:api_apitoken_add"),
        {
            "name": "Phần mềm Huyện đoàn Anh Sơn",
            "user": system.pk,
            "expires_at_0": "31/12/2025",
            "expires_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = page.split('id="api-secret" type="text" readonly size="60" value="')[1].split('"')[0]
    assert secret.startswith("hoptac_")
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    # The list and the token's page never show it again.
    assert secret not in admin_client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    change = reverse("admin:api_apitoken_change", args=[token.pk])
    assert secret not in admin_client.get(change).content.decode()
    event = AuditEvent.objects.get(object_type="api.apitoken")
    assert event.action == "admin_add" and event.actor == world.admin
    assert secret not in str(event.after)
    assert call(Client(), "GET", "/sub-agreements", secret).json()["count"] == 1


def test_only_the_admin_role_manages_tokens(world, client):
    world.staff.is_staff = True
    world.staff.save()
    client.force_login(world.staff)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403


def test_admin_revokes_a_token_and_it_is_refused(world, admin_client, client):
    token, secret = service_token(world, Membership.Role.LEADERSHIP, world.province)
    assert call(client, "GET", "/plans", secret).status_code == 200
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.admin
    response = call(Client(), "GET", "/plans", secret)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_revoked"
    assert response.json()["errors"][0]["message"] == "Mã truy cập API này đã bị thu hồi."
    assert AuditEvent.objects.filter(object_type="api.apitoken", action="admin_change").exists()


def test_expired_token_is_refused(world, client):
    _, secret = service_token(
        world,
        Membership.Role.LEADERSHIP,
        world.province,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert call(client, "GET", "/plans", secret).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        response = call(client, "GET", "/plans", secret)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_expired"
    assert "Bearer" in response["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Bearer hoptac_wrong", "Bearer nothing", "Basic eDp5"])
def test_unknown_token_or_none_is_refused(world, client, header):
    response = client.get(f"{API}/plans", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] in {"token_invalid", "unauthenticated"}
    assert client.get(f"{API}/plans").status_code == 401


def test_token_of_an_inactive_user_is_refused(world, client):
    token, secret = service_token(world, Membership.Role.LEADERSHIP, world.province)
    token.user.is_active = False
    token.user.save()
    assert call(client, "GET", "/plans", secret).status_code == 401


def test_revoking_needs_the_admin_role(world):
    from django.core.exceptions import PermissionDenied

    token, _ = service_token(world, Membership.Role.LEADERSHIP, world.province)
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, user=world.staff)


def test_each_token_has_its_own_rate_limit(world, client, settings):
    settings.API_RATE_PER_MINUTE = 3
    _, first = service_token(world, Membership.Role.LEADERSHIP, world.province, name="một")
    _, second = service_token(world, Membership.Role.LEADERSHIP, world.province, name="hai")
    with time_machine.travel(dt.datetime(2025, 1, 15, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        assert [call(client, "GET", "/plans", first).status_code for _ in range(3)] == [200] * 3
        refused = call(client, "GET", "/plans", first)
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["code"] == "rate_limited"
        assert int(refused["Retry-After"]) == 55
        assert call(client, "GET", "/plans", second).status_code == 200
    with time_machine.travel(dt.datetime(2025, 1, 15, 10, 1, 1, tzinfo=dt.UTC), tick=False):
        assert call(client, "GET", "/plans", first).status_code == 200


def test_session_user_reads_and_writes_with_csrf(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.officer_a)
    assert browser.get(f"{API}/sub-agreements").json()["count"] == 1
    path = f"{API}/sub-agreements/{world.sub_a.pk}/months/2024-05"
    body = '{"version": 0, "values": {"TUAN_TRA": {"value": 4}}}'
    refused = browser.put(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "csrf"
    browser.get(reverse("home"))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    saved = browser.put(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert saved.status_code == 200, saved.content
    event = AuditEvent.objects.get(action="save")
    assert event.actor == world.officer_a and "API" in event.reason
