from django.http import HttpRequest

from agreements.selectors import request_scope
from notifications.selectors import unread_count


def user_scope(request: HttpRequest) -> dict:
    return {"scope": request_scope(request)}


def notifications_unread(request: HttpRequest) -> dict:
    """The bell's count: one query on pages rendered for a signed-in user, none otherwise."""
    return {"unread_notifications": unread_count(user=request.user)}
