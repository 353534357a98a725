from urllib.parse import urlencode

from django.http import HttpRequest

from agreements.selectors import (
    request_plan,
    request_plan_list,
    request_plan_param,
    request_scope,
)
from notifications.selectors import unread_count


def user_scope(request: HttpRequest) -> dict:
    scope = request_scope(request)
    context = {"scope": scope}
    if scope.is_authenticated:
        # The plan switcher in the header: the plan this request is about and the others.
        context["chosen_plan"] = request_plan(request)
        context["plans"] = request_plan_list(request)
        # Links to plan-wide pages carry the plan unless it is the current one.
        param = request_plan_param(request)
        context["plan_query"] = f"?{urlencode({'plan': param})}" if param else ""
    return context


def notifications_unread(request: HttpRequest) -> dict:
    """The bell's count: one query on pages rendered for a signed-in user, none otherwise."""
    return {"unread_notifications": unread_count(user=request.user)}
