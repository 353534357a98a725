"""Excel and CSV: template download, upload with preview and confirm, export of approved
figures. Thin views: the work is in activities/imports.py and activities/exports.py."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from activities import exports, imports
from activities.forms_io import ExportForm, PeriodForm, UploadForm
from activities.models import ImportBatch
from activities.selectors import indicator_names
from activities.spreadsheet import csv_bytes, workbook_bytes
from agreements.models import Agreement
from agreements.selectors import request_plan, request_scope, sub_agreement_list
from core import calendar
from core.numbers import figure
from core.scope import UserScope
from core.text import by_unit_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROW_LIMIT = 1000


def _plan(request: HttpRequest) -> Agreement:
    plan = request_plan(request)
    if plan is None:
        raise Http404
    return plan


def _can_import(scope: UserScope) -> bool:
    return scope.can_review or bool(scope.officer_unit_ids)


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _default_period(sub_agreements: list[Agreement]) -> tuple[dt.date, dt.date]:
    """The latest month any of the districts reports (the month in progress, or the
    plan's last)."""
    latest = [calendar.reporting_months(a)[-1:] for a in sub_agreements]
    last = max(
        (m[0] for m in latest if m), default=calendar.current_report_month(sub_agreements[0])
    )
    return last, last


def _quarter(text: str, *, plan: Agreement) -> tuple[dt.date, dt.date] | None:
    """ "2024-Q1" → January–March 2024 (the calendar's key parser; other kinds → None)."""
    key = calendar.parse_key(text)
    if key is None or key.kind != calendar.QUARTER:
        return None
    period = calendar.period_for(key.kind, year=key.year, number=key.number, rule=plan.period_rule)
    return period.first_month, period.last_month


@login_required
@require_safe
def template_download(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not _can_import(scope):
        raise PermissionDenied
    plan = _plan(request)
    editable = exports.editable_sub_agreements(scope=scope, plan=plan)
    form = PeriodForm(request.GET or None, sub_agreements=editable, all_label=_("All districts"))
    if request.GET and not form.is_valid():
        return render(
            request,
            "activities/import_upload.html",
            {"form": UploadForm(), "period_form": form, "editable": editable},
            status=400,
        )
    data = form.cleaned_data if form.is_bound else {}
    chosen = editable
    if data.get("unit"):
        chosen = [a for a in editable if a.pk == data["unit"]]
    if not chosen:
        raise Http404
    start, end = data.get("start"), data.get("end")
    quarter = _quarter(request.GET.get("quarter", ""), plan=plan)
    if quarter:
        start, end = quarter
    if not start or not end:
        default_start, default_end = _default_period(chosen)
        start, end = start or default_start, end or default_end
    if start > end:
        start, end = end, start
    rows = exports.template_rows(sub_agreements=chosen, plan=plan, first=start, last=end)
    who = chosen[0].org_unit.code if len(chosen) == 1 else "tat-ca"
    period = f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}_{end:%Y-%m}"
    title = (
        f"Mẫu nhập số liệu — {chosen[0].org_unit.name if len(chosen) == 1 else 'tất cả đơn vị'}"
        f" — {start:%m/%Y}" + ("" if start == end else f" đến {end:%m/%Y}")
    )
    return _download(
        workbook_bytes([row.as_cells() for row in rows], title=title),
        name=f"mau-so-lieu-{who}-{period}.xlsx",
        content_type=XLSX,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not _can_import(scope):
        raise PermissionDenied
    plan = _plan(request)
    errors: list[str] = []
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = imports.import_batch_create(
                    user=request.user,
                    scope=scope,
                    plan=plan,
                    file_name=upload.name,
                    content=upload.read(),
                )
            except ValidationError as error:
                errors = list(error.messages)
            else:
                return redirect("activities:import_preview", token=batch.token)
    else:
        form = UploadForm()
    editable = exports.editable_sub_agreements(scope=scope, plan=plan)
    return render(
        request,
        "activities/import_upload.html",
        {
            "form": form,
            "errors": errors,
            "period_form": PeriodForm(sub_agreements=editable, all_label=_("All districts")),
            "editable": editable,
        },
        status=400 if errors or form.errors else 200,
    )


def _preview_context(batch) -> dict:
    preview = batch.preview
    rows = preview.get("rows", [])
    shown = rows
    if len(rows) > PREVIEW_ROW_LIMIT:
        # A province-wide file has thousands of rows: list what needs attention first.
        shown = [r for r in rows if r["status"] not in ("unchanged", "skipped")]
    hidden = len(rows) - len(shown[:PREVIEW_ROW_LIMIT])
    counts = preview.get("counts", {})
    return {
        "batch": batch,
        "rows": shown[:PREVIEW_ROW_LIMIT],
        "hidden": hidden,
        "counts": counts,
        "file_errors": preview.get("file_errors", []),
        "has_errors": bool(preview.get("file_errors")) or counts.get("error", 0) > 0,
        "has_changes": counts.get("new", 0) + counts.get("changed", 0) > 0,
        "indicator_names": indicator_names(plan_id=None),
    }


def _own_batch(request: HttpRequest, token: str) -> tuple[UserScope, ImportBatch]:
    """The uploader's own batch: a wrong role is 403, anyone else's token 404."""
    scope = request_scope(request)
    if not _can_import(scope):
        raise PermissionDenied
    batch = imports.import_batch_get(token=token, user=request.user)
    if batch is None:
        raise Http404
    return scope, batch


@login_required
@require_safe
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    _scope, batch = _own_batch(request, token)
    return render(request, "activities/import_preview.html", _preview_context(batch))


def _after_import_url(request: HttpRequest, scope: UserScope) -> str:
    if not scope.can_review and len(scope.officer_unit_ids) == 1:
        agreement = (
            sub_agreement_list(scope=scope)
            .filter(org_unit_id__in=scope.officer_unit_ids, parent=_plan(request))
            .first()
        )
        if agreement:
            return reverse("activities:month_list", args=[agreement.pk])
    return reverse("home")


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    scope, batch = _own_batch(request, token)
    try:
        outcome = imports.import_batch_confirm(
            batch=batch, user=request.user, scope=scope, plan=_plan(request)
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("activities:import_preview", token=batch.token)
    if outcome.created or outcome.changed:
        messages.success(
            request,
            _(
                "Imported: %(created)s new and %(changed)s changed figures in %(reports)s "
                "months; %(unchanged)s unchanged."
            )
            % {
                "created": figure(outcome.created),
                "changed": figure(outcome.changed),
                "reports": figure(outcome.reports),
                "unchanged": figure(outcome.unchanged),
            },
        )
        # An import only saves drafts: say so, or a district believes it has reported.
        messages.warning(
            request,
            _(
                "The imported months are saved as drafts and are not submitted yet: open each "
                "month, check it and press Submit so that provincial staff can review it."
            ),
        )
    else:
        messages.info(request, _("Nothing to change: the portal already has these figures."))
    if outcome.locked:
        messages.warning(
            request,
            _("%(count)s figures in submitted or approved months were not changed.")
            % {"count": figure(outcome.locked)},
        )
    return redirect(_after_import_url(request, scope))


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.is_authenticated:
        raise PermissionDenied
    plan = _plan(request)
    readable = by_unit_name(sub_agreement_list(scope=scope).filter(parent=plan))
    if not readable:
        raise PermissionDenied
    form = ExportForm(
        request.GET or None,
        sub_agreements=readable,
        all_label=_("All districts") if len(readable) > 1 else None,
        tasks=plan.tasks.order_by("order"),
    )
    kind = request.GET.get("format")
    if kind not in ("xlsx", "csv") or not form.is_valid():
        return render(
            request,
            "activities/export.html",
            {"form": form},
            status=400 if kind and form.is_bound and form.errors else 200,
        )
    data = form.cleaned_data
    first = data.get("start") or calendar.agreement_months(plan)[0]
    last = data.get("end") or min(
        calendar.current_report_month(plan), calendar.agreement_months(plan)[1]
    )
    rows = exports.approved_figures(
        scope=scope,
        plan=plan,
        first=first,
        last=last,
        sub_agreement_ids=[data["unit"]] if data.get("unit") else None,
        task_id=data.get("task"),
    )
    cells = [row.as_cells() for row in rows]
    name = f"so-lieu-da-duyet-{first:%Y-%m}_{last:%Y-%m}"
    if kind == "csv":
        return _download(
            csv_bytes(cells), name=f"{name}.csv", content_type="text/csv; charset=utf-8"
        )
    return _download(
        workbook_bytes(cells, title=f"Số liệu đã duyệt {first:%m/%Y} – {last:%m/%Y}"),
        name=f"{name}.xlsx",
        content_type=XLSX,
    )
