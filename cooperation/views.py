from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from activities import selectors as activity_selectors
from agreements.selectors import (
    current_plan,
    plan_agency_names,
    request_plan,
    request_scope,
    sub_agreement_list,
)
from core import calendar
from reports.selectors import plan_achievement


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One page per role: districts see their months, staff their inbox, leadership progress."""
    scope = request_scope(request)
    today = calendar.today()
    plan = request_plan(request)
    context: dict = {
        "plan": plan,
        "sample_data": activity_selectors.plan_has_sample_data(plan=plan),
    }
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


class PortalLoginView(LoginView):
    """The login page names the agencies of the current plan (from the data, not the code) and
    tells a user who forgot the password what to do."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agencies"] = plan_agency_names(plan=current_plan())
        return context


@login_required
@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    """A short guide for each role, the reader's own first. Vietnamese by default; an English
    version in its own template."""
    scope = request_scope(request)
    template = select_template([f"help/guide.{get_language()}.html", "help/guide.vi.html"])
    if scope.can_review:
        role = "staff"
    elif scope.sees_all:
        role = "leadership"
    elif scope.officer_unit_ids:
        role = "officer"
    else:
        role = "viewer"
    return render(request, template.template.name, {"role": role})


# Password reset by email: at most this many requests an hour per address and per client, so
# the form can be used neither to flood someone's mailbox nor to probe addresses.
RESET_PER_EMAIL_PER_HOUR = 3
RESET_PER_CLIENT_PER_HOUR = 10


def _reset_allowed(key: str, limit: int) -> bool:
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= limit


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset by email (a one-time link valid PASSWORD_RESET_TIMEOUT seconds), in
    Vietnamese, throttled. Whether the address exists or the limit was hit, the answer is the
    same page, so it tells nobody which addresses have accounts."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        client = self.request.META.get("REMOTE_ADDR", "")
        if not (
            _reset_allowed(f"password-reset:client:{client}", RESET_PER_CLIENT_PER_HOUR)
            and _reset_allowed(f"password-reset:email:{email}", RESET_PER_EMAIL_PER_HOUR)
        ):
            return redirect(self.get_success_url())
        return super().form_valid(form)
