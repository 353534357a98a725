"""Who is calling: a system with a token (``Authorization: Bearer hoptac_…``), or a person
with their portal session (the browsable docs). Either way the caller carries the user and
their UserScope, so every selector and service applies the same scope as the pages."""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from agreements.selectors import user_scope
from api.errors import CsrfRefused
from api.models import ApiToken
from api.services import token_authenticate
from core.scope import UserScope


@dataclass(frozen=True)
class ApiCaller:
    user: AbstractBaseUser
    scope: UserScope
    token: ApiToken | None = None

    @property
    def audit_via(self) -> str:
        """What the audit trail says about how a write came in."""
        if self.token is None:
            return _("API, session")
        return _("API token “%(name)s” (%(prefix)s…)") % {
            "name": self.token.name,
            "prefix": self.token.prefix,
        }

    @property
    def rate_key(self) -> str:
        # By the token's hash rather than its id: ids can be reused (SQLite after a rollback),
        # a hash names one token for ever.
        return f"token:{self.token.key_hash[:24]}" if self.token else f"user:{self.user.pk}"


class TokenAuth(HttpBearer):
    """A system's token. An unknown, revoked or expired one is refused with a 401 that
    says which (TokenRefused), never passed on to the session check."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        found = token_authenticate(secret=token.strip())
        return ApiCaller(user=found.user, scope=user_scope(found.user), token=found)


class PortalSession(APIKeyCookie):
    """The signed-in user's session, for the docs page. Unsafe methods need Django's CSRF
    token (the docs page sends it), checked only once a session user is found, so an
    anonymous call gets the 401 that explains how to authenticate."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiCaller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfRefused
        return ApiCaller(user=user, scope=user_scope(user))


class CallerRateThrottle(BaseThrottle):
    """At most ``API_RATE_PER_MINUTE`` requests per token (or session user) per clock
    minute, counted in Django's cache (shared between workers when the cache is: Redis or
    memcached in production, see docs/deploy.md). A fixed window keeps it to one cache
    increment a request."""

    def allow_request(self, request: HttpRequest) -> bool:
        caller = getattr(request, "auth", None)
        if not isinstance(caller, ApiCaller):
            return True
        limit = getattr(settings, "API_RATE_PER_MINUTE", 120)
        now = time.time()
        window = int(now // 60)
        key = f"api-rate:{caller.rate_key}:{window}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            cache.set(key, 1, timeout=120)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        # The window ends with the clock minute (no per-instance state: one throttle object
        # serves every thread).
        return max(1, math.ceil(60 - time.time() % 60))
