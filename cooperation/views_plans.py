"""The plans: the archive (every plan, each browsable), closing a plan after its final review,
starting the next plan from a closed one, activating a draft. Thin: the work is in
agreements.services_plans and reports.services_plans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Agreement
from agreements.selectors import request_plan_list, request_scope
from agreements.services_plans import plan_activate, plan_start_next
from cooperation.forms_plans import PlanCloseForm, PlanNextForm
from reports.services_plans import final_review_plan_ids, plan_close


def _plan_get(pk: int) -> Agreement:
    plan = Agreement.objects.filter(pk=pk, parent__isnull=True).first()
    if plan is None:
        raise Http404
    return plan


def _staff_only(request: HttpRequest):
    scope = request_scope(request)
    if not scope.can_manage:
        raise PermissionDenied
    return scope


def _plan_home(plan: Agreement) -> str:
    return reverse("home") + "?" + urlencode({"plan": plan.code})


@login_required
@require_safe
def plan_archive(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    plans = request_plan_list(request)
    return render(
        request,
        "cooperation/plan_list.html",
        {
            "plan_rows": plans,
            "final_reviewed": final_review_plan_ids(plan_ids=[p.pk for p in plans])
            if scope.can_manage
            else set(),
            "close_form": PlanCloseForm(),
        },
    )


@login_required
@require_POST
def plan_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    plan = _plan_get(pk)
    form = PlanCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request was not understood; please try again."))
        return redirect("plan_list")
    try:
        plan_close(plan=plan, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(plan)s is closed: it can be viewed, exported and printed, no longer changed.")
            % {"plan": plan.title},
        )
    return redirect("plan_list")


@login_required
@require_http_methods(["GET", "POST"])
def plan_next(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    previous = _plan_get(pk)
    if previous.status != Agreement.Status.CLOSED:
        messages.error(
            request,
            _("The next plan starts from a closed plan: close “%(plan)s” first.")
            % {"plan": previous.title},
        )
        return redirect("plan_list")
    if request.method == "POST":
        form = PlanNextForm(request.POST)
        if form.is_valid():
            try:
                plan = plan_start_next(
                    previous=previous,
                    details=form.details(),
                    user=request.user,
                    status=form.cleaned_data["status"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, messages_ in error.message_dict.items():
                        for message in messages_:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    for message in error.messages:
                        form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _(
                        "%(plan)s was created with %(count)s sub-agreements, its tasks and "
                        "indicators. Set its targets from Excel in the administration."
                    )
                    % {"plan": plan.title, "count": plan.sub_agreements.count()},
                )
                return redirect(_plan_home(plan) if plan.status != "draft" else "plan_list")
    else:
        form = PlanNextForm(initial=PlanNextForm.initial_for(previous))
    return render(
        request,
        "cooperation/plan_next.html",
        {"previous": previous, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def plan_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    plan = _plan_get(pk)
    try:
        plan_activate(plan=plan, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("plan_list")
    messages.success(request, _("%(plan)s is active.") % {"plan": plan.title})
    return redirect(_plan_home(plan))
