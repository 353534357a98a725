"""Writes about API tokens: create (the secret returned once), revoke, and the check of a
presented secret. Creating and revoking are audited like any change in the administration."""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.selectors import user_scope
from api.models import ApiToken
from audit.models import AuditEvent
from audit.services import audit_record_change, model_snapshot
from core.scope import ADMIN

# Every secret starts with this, so a leaked one is recognisable (secret scanners, logs).
SECRET_PREFIX = "hoptac_"  # noqa: S105 (a marker, not a secret)
DEFAULT_LIFETIME = dt.timedelta(days=365)
# Last-used times are written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def secret_hash(secret: str) -> str:
    # A plain SHA-256 is enough: the secret is 256 random bits, not a password, so there is
    # nothing to brute-force, and a fixed hash lets the lookup be one indexed query.
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_admin(user: AbstractBaseUser) -> None:
    if ADMIN not in user_scope(user).roles:
        raise PermissionDenied(_("Only the administrator role can manage API tokens."))


@transaction.atomic
def token_create(
    *,
    name: str,
    user: AbstractBaseUser,
    created_by: AbstractBaseUser,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (a service user whose memberships give its scope). Returns
    the token and its secret, which is stored nowhere: show it once."""
    _require_admin(created_by)
    expires_at = expires_at or timezone.now() + DEFAULT_LIFETIME
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        user=user,
        prefix=secret[: len(SECRET_PREFIX) + 6],
        key_hash=secret_hash(secret),
        created_by=created_by,
        expires_at=expires_at,
    )
    audit_record_change(user=created_by, obj=token, action=AuditEvent.Action.ADMIN_ADD)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, user: AbstractBaseUser) -> ApiToken:
    """Refuse the token from now on. The row stays, so the trail keeps naming it."""
    _require_admin(user)
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    before = model_snapshot(locked)
    locked.revoked_at = timezone.now()
    locked.revoked_by = user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record_change(user=user, obj=locked, action=AuditEvent.Action.ADMIN_CHANGE, before=before)
    return locked


class TokenRefused(Exception):
    """A presented secret that is unknown, revoked, expired or whose user is inactive."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def token_authenticate(*, secret: str) -> ApiToken:
    """The active token with this secret, its user loaded; raises TokenRefused."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise TokenRefused("token_invalid", _("The API token is not valid."))
    token = ApiToken.objects.select_related("user").filter(key_hash=secret_hash(secret)).first()
    now = timezone.now()
    if token is None or not token.user.is_active:
        raise TokenRefused("token_invalid", _("The API token is not valid."))
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", _("This API token has been revoked."))
    if token.expires_at <= now:
        raise TokenRefused("token_expired", _("This API token has expired."))
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
