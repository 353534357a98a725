"""Tokens and calls for the API tests: a service user per role with its memberships, a
token for it, and the test client speaking JSON with that token."""

import datetime as dt
import json

from django.utils import timezone

from agreements.models import Membership
from api.services import token_create
from tests import factories as f

API = "/api/v1"


def service_token(world, role: str, unit, *, name: str | None = None, **kwargs):
    """A service user holding ``role`` on ``unit`` and a token for it: (token, secret)."""
    user = f.UserFactory(username=f"he-thong-{role}-{unit.code}-{name or 'x'}")
    f.MembershipFactory(user=user, org_unit=unit, role=role)
    return token_create(
        name=name or f"Hệ thống {role} {unit.code}",
        user=user,
        created_by=world.admin,
        expires_at=kwargs.get("expires_at") or timezone.now() + dt.timedelta(days=30),
    )


def role_tokens(world) -> dict[str, str]:
    """A secret per role column of the authorization matrix."""
    Role = Membership.Role
    return {
        "officer": service_token(world, Role.DISTRICT_OFFICER, world.unit_a)[1],
        "viewer": service_token(world, Role.DISTRICT_VIEWER, world.unit_a)[1],
        "staff": service_token(world, Role.PROVINCIAL_STAFF, world.province)[1],
        "leader": service_token(world, Role.LEADERSHIP, world.province)[1],
        "admin": service_token(world, Role.ADMIN, world.province)[1],
    }


def call(client, method: str, path: str, secret: str | None = None, body=None, **headers):
    if secret:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method.lower())(f"{API}{path}", **kwargs, **headers)
