from django.http import HttpRequest

from agreements import selectors
from agreements.selectors import UserScope


def request_scope(request: HttpRequest) -> UserScope:
    """The user's scope, computed once per request."""
    if not hasattr(request, "_scope"):
        request._scope = selectors.user_scope(request.user)
    return request._scope


def user_scope(request: HttpRequest) -> dict:
    return {"scope": request_scope(request)}
