"""Thin views: parse the request, apply the user's scope, call one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import locks, prefill, selectors, services
from activities.checks import soft_warnings
from activities.forms import MonthlyEntryForm, ReasonForm
from activities.models import MonthlyReport
from agreements.selectors import (
    plan_read_only_reason,
    request_plan,
    request_scope,
    sub_agreement_list,
)
from core import calendar
from core.text import by_unit_name, nfc


def _error_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{key}: {msg}" if key != "__all__" else msg
            for key, msgs in error.message_dict.items()
            for msg in msgs
        ]
    return list(error.messages)


def _bind(
    rows: list[selectors.EntryGroup],
    form: MonthlyEntryForm,
    suggestions: dict[int, prefill.Prefill] | None = None,
) -> list[dict]:
    """Pair each indicator row with its bound form fields (and the figure its evidence
    suggests, if any) for the template."""
    suggestions = suggestions or {}
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
                    "suggestion": suggestions.get(row.indicator.pk),
                    # A saved figure other than the evidence's sum wants a word of why.
                    "differs": row.indicator.pk in suggestions
                    and row.value is not None
                    and row.value.value is not None
                    and row.value.value != suggestions[row.indicator.pk].value,
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
    report = (
        MonthlyReport.objects.filter(sub_agreement=sub_agreement, month=month_date)
        .select_related("submitted_by", "reviewed_by")
        .first()
    )
    try:
        services.report_month_validate(sub_agreement=sub_agreement, month=month_date)
    except ValidationError as error:
        # A month with figures stays readable (it says why it is locked); one without any
        # has nothing to show.
        if report is None or calendar.is_future(sub_agreement, month_date):
            messages.error(request, " ".join(error.messages))
            return redirect("activities:month_list", sub_agreement_id=sub_agreement.pk)
    lock = locks.entry_lock(
        sub_agreement=sub_agreement, month=month_date, report=report, scope=scope
    )
    can_edit = lock is None
    # A closed plan's months are shown, never edited (the services refuse it too).
    closed_reason = plan_read_only_reason(sub_agreement)
    rows = selectors.entry_rows(report=report, sub_agreement=sub_agreement, month=month_date)
    indicators = [row.indicator for group in rows for row in group.rows]
    # What the month's evidence (activity records, houses) adds up to, per indicator: shown
    # beside the fields, written only when the officer asks (never by itself).
    suggestions = {
        pk: item
        for pk, item in prefill.month_prefill(sub_agreement=sub_agreement, month=month_date).items()
        if any(i.pk == pk and not i.is_ratio for i in indicators)
    }
    stale = None
    # A refused submission keeps nothing (services.report_save_and_submit): the reasons are
    # the form's errors, so the stored month's warnings are not shown a second time.
    submit_refused = False
    if request.method == "POST":
        if closed_reason and scope.can_edit_unit(sub_agreement.org_unit_id):
            messages.error(request, closed_reason)
            return redirect(
                "activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month
            )
        if not can_edit:
            raise PermissionDenied
        data = request.POST
        if data.get("action") == "suggest":
            # "Dùng số gợi ý": the suggestions go into the fields left empty, then the month
            # is saved as a draft; a figure the officer typed is never replaced.
            data = data.copy()
            for pk, item in suggestions.items():
                if not (data.get(f"v_{pk}") or "").strip():
                    data[f"v_{pk}"] = str(item.value)
        form = MonthlyEntryForm(data, indicators=indicators)
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
                data = data.copy()
                data["version"] = error.report.version
                form = MonthlyEntryForm(data, indicators=indicators)
                form.is_valid()
                rows = selectors.entry_rows(
                    report=error.report, sub_agreement=sub_agreement, month=month_date
                )
            except ValidationError as error:
                submit_refused = action is services.report_save_and_submit
                for message in _error_messages(error):
                    form.add_error(None, message)
            else:
                if report is None:
                    messages.info(request, _("Nothing to save: every figure is empty."))
                elif report.status == MonthlyReport.Status.SUBMITTED:
                    messages.success(request, _("The month was submitted for review."))
                elif data.get("action") == "suggest":
                    messages.success(
                        request,
                        _("The suggested figures were put into the empty fields; draft saved."),
                    )
                else:
                    messages.success(request, _("Draft saved."))
                return redirect(
                    "activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month
                )
    else:
        form = MonthlyEntryForm(
            initial=MonthlyEntryForm.initial_for(report, rows), indicators=indicators
        )
    for pk, item in suggestions.items():
        form.fields[f"v_{pk}"].widget.attrs["placeholder"] = number_format(
            item.value, force_grouping=True
        )
    return render(
        request,
        "activities/entry.html",
        {
            "sub_agreement": sub_agreement,
            "month": month_date,
            "month_slug": month,
            "report": report,
            "groups": _bind(rows, form, suggestions),
            "suggestions": suggestions,
            "form": form,
            "can_edit": can_edit,
            "lock": lock,
            "grant_offered": scope.can_review
            and locks.late_grant_offered(
                sub_agreement=sub_agreement, month=month_date, report=report
            ),
            "stale": stale,
            "submit_refused": submit_refused,
            "warnings": soft_warnings(report=report)
            if report and can_edit and not submit_refused
            else [],
            "indicator_names": _names(indicators),
            "history": selectors.report_history(report=report)[:20] if report else [],
        },
    )


def _names(indicators) -> dict[str, str]:
    """Code → name of the page's indicators, for the history, which stores codes."""
    language = get_language()
    return {indicator.code: indicator.display_name(language) for indicator in indicators}


@login_required
def review_inbox(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.can_review:
        raise PermissionDenied
    filters = selectors.inbox_filters_parse(request.GET)
    today = calendar.today()
    plan = request_plan(request)
    return render(
        request,
        "activities/inbox.html",
        {
            "inbox": selectors.inbox_page(
                scope=scope,
                filters=filters,
                page=request.GET.get("page"),
                today=today,
                plan=plan,
            ),
            "filters": filters,
            "units": by_unit_name(sub_agreement_list(scope=scope).filter(parent=plan)),
            "former_districts": selectors.former_district_choices(scope=scope),
            "statuses": [(s, MonthlyReport.Status(s).label) for s in selectors.INBOX_STATUSES],
            "waited_choices": WAITED_CHOICES,
            "late": selectors.late_units(scope=scope, today=today, plan=plan),
        },
    )


@login_required
@require_POST
def review_approve_many(request: HttpRequest) -> HttpResponse:
    """Approve the clean months ticked in the inbox: a confirmation page first, then one
    transaction with an audit row per month (services.report_approve_many)."""
    scope = request_scope(request)
    if not scope.can_review:
        raise PermissionDenied
    filters = _filters_from(request.POST)
    back = reverse("activities:review_inbox") + (
        f"?{filters.querystring()}" if filters.querystring() else ""
    )
    versions = {}
    for text in request.POST.getlist("report")[: selectors.INBOX_PAGE_SIZE]:
        pk = selectors.parse_id(text)
        version = selectors.parse_id(request.POST.get(f"version_{text}", ""))
        if pk is not None and version is not None:
            versions[pk] = version
    reports = selectors.reports_get(pks=list(versions), scope=scope)
    chosen = [(report, versions[report.pk]) for report in reports]
    if not chosen:
        messages.error(request, _("Tick the months to approve first."))
        return redirect(back)
    if request.POST.get("confirmed") != "1":
        return render(
            request,
            "activities/review_confirm_many.html",
            {"chosen": chosen, "filters_query": filters.querystring(), "back_url": back},
        )
    try:
        approved = services.report_approve_many(reports=chosen, user=request.user, scope=scope)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect(back)
    messages.success(
        request,
        _("%(count)s months approved.") % {"count": len(approved)},
    )
    return redirect(back)


# "Waiting at least …" choices of the inbox filter, in days.
WAITED_CHOICES = (3, 7, 14, 30)


def _filters_from(data) -> selectors.InboxFilters:
    """The inbox filters a review page carries along (in its query string or a form field)."""
    return selectors.inbox_filters_parse(QueryDict(data.get("filters", "")))


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = selectors.report_get(pk=pk, scope=scope)
    rows = selectors.entry_rows(
        report=report, sub_agreement=report.sub_agreement, month=report.month
    )
    filters = selectors.inbox_filters_parse(request.GET)
    return render(
        request,
        "activities/report_detail.html",
        {
            "report": report,
            "rows": rows,
            "reason_form": ReasonForm(initial={"version": report.version}),
            "closed_reason": plan_read_only_reason(report.sub_agreement),
            "history": selectors.report_history(report=report),
            "indicator_names": _names(row.indicator for group in rows for row in group.rows),
            "facts": selectors.report_review_facts(report=report, today=calendar.today()),
            "filters_query": filters.querystring(),
            # The records (and houses) behind the month, each section rendered by its keeper.
            "evidence": prefill.month_evidence(
                sub_agreement=report.sub_agreement, month=report.month
            ),
        },
    )


def _detail_url(report_pk: int, filters: selectors.InboxFilters) -> str:
    url = reverse("activities:report_detail", args=[report_pk])
    query = filters.querystring()
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = selectors.report_get(pk=pk, scope=scope)
    if not scope.can_review:
        raise PermissionDenied
    form = ReasonForm(request.POST)
    action = request.POST.get("action")
    filters = _filters_from(request.POST)
    closed = plan_read_only_reason(report.sub_agreement)
    if closed:
        # Refused before the confirmation step: nothing about a closed plan's month can be
        # decided any more.
        messages.error(request, closed)
        return redirect(_detail_url(report.pk, filters))
    service = {
        "approve": services.report_approve,
        "return": services.report_return,
        "reopen": services.report_reopen,
    }.get(action)
    if service is None or not form.is_valid():
        messages.error(request, _("The request was not understood; please try again."))
        return redirect(_detail_url(report.pk, filters))
    reason = form.cleaned_data.get("reason") or ""
    if action in ("return", "reopen") and not nfc(reason).strip():
        messages.error(request, _("Give a reason so the district knows what to fix."))
        return redirect(_detail_url(report.pk, filters))
    if action in ("approve", "return") and request.POST.get("confirmed") != "1":
        # A decision is one click from the month's page: ask once more, showing what will
        # happen, before it is made.
        return render(
            request,
            "activities/review_confirm.html",
            {
                "report": report,
                "action": action,
                "reason": reason,
                "version": form.cleaned_data["version"],
                "filters_query": filters.querystring(),
                "back_url": _detail_url(report.pk, filters),
            },
        )
    kwargs = {
        "report": report,
        "user": request.user,
        "scope": scope,
        "version": form.cleaned_data["version"],
    }
    if action != "approve":
        kwargs["reason"] = reason
    try:
        service(**kwargs)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message.replace("reason: ", ""))
        return redirect(_detail_url(report.pk, filters))
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
    if action == "reopen":
        return redirect("activities:report_detail", pk=report.pk)
    following = selectors.inbox_next(
        scope=scope, filters=filters, after=report, today=calendar.today()
    )
    if following is None:
        messages.info(request, _("Nothing else is waiting in this view."))
        query = filters.querystring()
        return redirect(reverse("activities:review_inbox") + (f"?{query}" if query else ""))
    messages.info(
        request,
        _("Next month to review: %(unit)s, %(month)s.")
        % {
            "unit": following.sub_agreement.org_unit.name,
            "month": following.month.strftime("%m/%Y"),
        },
    )
    return redirect(_detail_url(following.pk, filters))


@login_required
@require_POST
def late_entry_grant(request: HttpRequest, sub_agreement_id: int, month: str) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = selectors.sub_agreement_get(pk=sub_agreement_id, scope=scope)
    if not scope.can_review:
        raise PermissionDenied
    month_date = calendar.parse_month_key(month)
    if month_date is None:
        raise Http404
    if request.POST.get("grant") != "1":
        messages.error(request, _("The request was not understood; please try again."))
        return redirect("activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month)
    try:
        services.late_entry_grant(
            sub_agreement=sub_agreement,
            month=month_date,
            user=request.user,
            scope=scope,
            reason=request.POST.get("reason", "")[:2000],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Late entry granted: %(unit)s can now enter %(month)s.")
            % {"unit": sub_agreement.org_unit.name, "month": month_date.strftime("%m/%Y")},
        )
    return redirect("activities:month_entry", sub_agreement_id=sub_agreement.pk, month=month)
