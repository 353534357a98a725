from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from activities import selectors as activity_selectors
from agreements.selectors import request_plan, request_scope, sub_agreement_list
from core import calendar
from reports.selectors import plan_achievement


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One page per role: districts see their months, staff their inbox, leadership progress."""
    scope = request_scope(request)
    today = calendar.today()
    plan = request_plan(request)
    context: dict = {"plan": plan}
    if plan is None:
        return render(request, "home.html", context)
    if scope.sees_all:
        context["inbox"] = activity_selectors.review_inbox(scope=scope, plan=plan)
        context["late"] = activity_selectors.late_units(scope=scope, today=today, plan=plan)
        context["progress"] = plan_achievement(plan=plan, scope=scope)
    else:
        context["units"] = [
            {
                "sub_agreement": agreement,
                "months": activity_selectors.sub_agreement_months(
                    sub_agreement=agreement, today=today
                )[:6],
            }
            for agreement in sub_agreement_list(scope=scope).filter(parent=plan)
        ]
    return render(request, "home.html", context)
