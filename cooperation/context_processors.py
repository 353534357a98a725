from urllib.parse import urlencode

from django.http import HttpRequest

from agreements.selectors import (
    request_plan,
    request_plan_list,
    request_plan_param,
    request_scope,
)


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
