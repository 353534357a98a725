"""Thin views: parse the request, apply the user's scope, call one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import selectors, services
from activities.checks import soft_warnings
from activities.forms import MonthlyEntryForm, ReasonForm
from activities.models import MonthlyReport
from agreements.selectors import plan_read_only_reason, request_plan, request_scope
from core import calendar


def _error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{key}: {msg}" if key != "__all__" else msg
            for key, msgs in error.message_dict.items()
            for msg in msgs
        ]
    return list(error.messages)


def _bind(rows: list[selectors.EntryGroup], form: MonthlyEntryForm) -> list[dict]:
    """Pair each indicator row with its bound form fields for the template."""
    return [
        {
            "task": group.task,
            "rows": [
                {
                    "row": row,
                    "fields": [
                        form[f"{prefix}_{row.indicator.pk}"]
                        for prefix in ("v", "n", "d")
                        if f"{prefix}_{row.indicator.pk}" in form.fields
                    ],
                    "comment": form[f"c_{row.indicator.pk}"],
                }
                for row in group.rows
            ],
        }
        for group in rows
    ]


@login_required
def month_list(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = selectors.sub_agreement_get(pk=sub_agreement_id, scope=scope)
    months = selectors.sub_agreement_months(sub_agreement=sub_agreement, today=calendar.today())
    return render(
        request,
        "activities/month_list.html",
        {
            "sub_agreement": sub_agreement,
            "months": months,
            "closed_reason": plan_read_only_reason(sub_agreement),
            "can_edit": scope.can_edit_unit(sub_agreement.org_unit_id)
            and not plan_read_only_reason(sub_agreement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def month_entry(request: HttpRequest, sub_agreement_id: int, month: str) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = selectors.sub_agreement_get(pk=sub_agreement_id, scope=scope)
    month_date = calendar.parse_month_key(month)
    if month_date is None:
        raise Http404
    try:
        services.report_month_validate(sub_agreement=sub_agreement, month=month_date)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("activities:month_list", sub_agreement_id=sub_agreement.pk)
    report = MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month_date).first()
    # A closed plan's months are shown, never edited (the services refuse it too).
    closed_reason = plan_read_only_reason(sub_agreement)
    can_edit = (
        scope.can_edit_unit(sub_agreement.org_unit_id)
        and (report is None or report.is_editable)
        and closed_reason is None
    )
    rows = selectors.entry_rows(report=report, sub_agreement=sub_agreement, month=month_date)
    indicators = [row.indicator for group in rows for row in group.rows]
    stale = None
    if request.method == "POST":
        if closed_reason and scope.can_edit_unit(sub_agreement.org_unit_id):
            messages.error(request, closed_reason)
            return redirect(
                "activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month
            )
        if not can_edit:
            raise PermissionDenied
        form = MonthlyEntryForm(request.POST, indicators=indicators)
        if form.is_valid():
            action = (
                services.report_save_and_submit
                if request.POST.get("action") == "submit"
                else services.report_save_draft
            )
            try:
                report = action(
                    report=report,
                    sub_agreement=sub_agreement,
                    month=month_date,
                    user=request.user,
                    scope=scope,
                    version=form.cleaned_data["version"],
                    values=form.value_inputs(),
                    narrative=form.cleaned_data["narrative"],
                )
            except services.StaleReportError as error:
                stale = error
                # Keep what the user typed, and let them save it over the newer version
                # only after they have seen what changed.
                data = request.POST.copy()
                data["version"] = error.report.version
                form = MonthlyEntryForm(data, indicators=indicators)
                form.is_valid()
                rows = selectors.entry_rows(
                    report=error.report, sub_agreement=sub_agreement, month=month_date
                )
            except ValidationError as error:
                for message in _error_messages(error):
                    form.add_error(None, message)
            else:
                if report is None:
                    messages.info(request, _("Nothing to save: every figure is empty."))
                elif report.status == MonthlyReport.Status.SUBMITTED:
                    messages.success(request, _("The month was submitted for review."))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect(
                    "activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month
                )
    else:
        form = MonthlyEntryForm(
            initial=MonthlyEntryForm.initial_for(report, rows), indicators=indicators
        )
    return render(
        request,
        "activities/entry.html",
        {
            "sub_agreement": sub_agreement,
            "month": month_date,
            "month_slug": month,
            "report": report,
            "groups": _bind(rows, form),
            "form": form,
            "can_edit": can_edit,
            "closed_reason": closed_reason,
            "stale": stale,
            "warnings": soft_warnings(report=report) if report and can_edit else [],
            "history": selectors.report_history(report=report)[:20] if report else [],
        },
    )


@login_required
def review_inbox(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.can_review:
        raise PermissionDenied
    return render(
        request,
        "activities/inbox.html",
        {
            "reports": selectors.review_inbox(scope=scope, plan=request_plan(request)),
            "late": selectors.late_units(
                scope=scope, today=calendar.today(), plan=request_plan(request)
            ),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = selectors.report_get(pk=pk, scope=scope)
    rows = selectors.entry_rows(
        report=report, sub_agreement=report.sub_agreement, month=report.month
    )
    return render(
        request,
        "activities/report_detail.html",
        {
            "report": report,
            "rows": rows,
            "reason_form": ReasonForm(initial={"version": report.version}),
            "closed_reason": plan_read_only_reason(report.sub_agreement),
            "history": selectors.report_history(report=report),
        },
    )


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = selectors.report_get(pk=pk, scope=scope)
    if not scope.can_review:
        raise PermissionDenied
    form = ReasonForm(request.POST)
    action = request.POST.get("action")
    service = {
        "approve": services.report_approve,
        "return": services.report_return,
        "reopen": services.report_reopen,
    }.get(action)
    if service is None or not form.is_valid():
        messages.error(request, _("The request was not understood; please try again."))
        return redirect("activities:report_detail", pk=report.pk)
    kwargs = {
        "report": report,
        "user": request.user,
        "scope": scope,
        "version": form.cleaned_data["version"],
    }
    if action != "approve":
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        service(**kwargs)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message.replace("reason: ", ""))
        return redirect("activities:report_detail", pk=report.pk)
    done = {
        "approve": _("Approved: %(unit)s, %(month)s."),
        "return": _("Returned to %(unit)s for %(month)s."),
        "reopen": _("Reopened: %(unit)s, %(month)s."),
    }[action]
    messages.success(
        request,
        done
        % {"unit": report.sub_agreement.org_unit.name, "month": report.month.strftime("%m/%Y")},
    )
    return redirect(
        "activities:review_inbox" if action != "reopen" else "activities:report_detail",
        **({} if action != "reopen" else {"pk": report.pk}),
    )
