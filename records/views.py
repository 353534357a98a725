"""Thin views of activity records: parse, check role and scope on the server, call one
service or selector, render. Another unit's record or file is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from activities.selectors import sub_agreement_get
from agreements.selectors import (
    plan_read_only_reason,
    request_plan,
    request_scope,
    sub_agreement_list,
)
from core.text import by_unit_name
from records import exports, selectors, services
from records.forms import RecordForm
from records.models import ActivityRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _list_url(record_or_sub_agreement_id: int, month=None) -> str:
    query = f"?unit={record_or_sub_agreement_id}"
    if month:
        query += f"&month={month:%Y-%m}"
    return reverse("records:record_list") + query


@login_required
@require_safe
def record_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    plan = request_plan(request)
    if plan is None:
        raise Http404
    filters = selectors.record_filters_parse(request.GET)
    units = by_unit_name(sub_agreement_list(scope=scope).filter(parent=plan))
    if not units:
        raise PermissionDenied
    unit = next((u for u in units if u.pk == filters.unit), None)
    if filters.unit and unit is None:
        raise Http404
    if unit is None and len(units) == 1:
        unit = units[0]
    if request.GET.get("format") == "xlsx":
        rows = selectors.record_rows(scope=scope, plan=plan, filters=filters)
        response = HttpResponse(
            exports.records_workbook(rows, indicators=selectors.counted_indicators(plan=plan)),
            content_type=XLSX,
        )
        response["Content-Disposition"] = 'attachment; filename="nhat-ky-hoat-dong.xlsx"'
        response["Cache-Control"] = "no-store"
        return response
    editable = [u for u in units if scope.can_edit_unit(u.org_unit_id)]
    return render(
        request,
        "records/list.html",
        {
            "result": selectors.record_page(
                scope=scope, plan=plan, filters=filters, page=request.GET.get("page")
            ),
            "filters": filters,
            "unit": unit,
            "units": units if scope.sees_all else [],
            "record_types": selectors.record_type_choices(),
            "indicators": selectors.counted_indicators(plan=plan),
            "add_unit": unit if unit in editable and not plan_read_only_reason(plan) else None,
            "query": filters.querystring(),
        },
    )


def _indicators_of(sub_agreement):
    return selectors.counted_indicators(plan=sub_agreement.plan)


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = sub_agreement_get(pk=sub_agreement_id, scope=scope)
    if not scope.can_edit_unit(sub_agreement.org_unit_id):
        raise PermissionDenied
    indicators = _indicators_of(sub_agreement)
    closed = plan_read_only_reason(sub_agreement)
    if request.method == "POST" and not closed:
        form = RecordForm(request.POST, request.FILES, indicators=indicators)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.record_create(
                    sub_agreement=sub_agreement,
                    user=request.user,
                    scope=scope,
                    record_type=data["record_type"],
                    date=data["date"],
                    place=data["place"],
                    participants=data["participants"],
                    description=data["description"],
                    amounts=form.amounts(),
                    files=data["files"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("records:record_detail", pk=record.pk)
    else:
        form = RecordForm(indicators=indicators)
    return render(
        request,
        "records/form.html",
        {"form": form, "sub_agreement": sub_agreement, "record": None, "closed_reason": closed},
    )


@login_required
@require_safe
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    record = selectors.record_get(pk=pk, scope=scope)
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "row": selectors.record_detail(pk=pk, scope=scope),
            "sub_agreement": record.sub_agreement,
            "can_edit": scope.can_edit_unit(record.sub_agreement.org_unit_id)
            and not plan_read_only_reason(record.sub_agreement),
            "list_url": _list_url(record.sub_agreement_id),
        },
    )


def _editable_record(request: HttpRequest, pk: int) -> ActivityRecord:
    scope = request_scope(request)
    record = selectors.record_get(pk=pk, scope=scope)
    if not scope.can_edit_unit(record.sub_agreement.org_unit_id):
        raise PermissionDenied
    return record


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = _editable_record(request, pk)
    sub_agreement = record.sub_agreement
    indicators = _indicators_of(sub_agreement)
    attachments = list(record.attachments.all())
    closed = plan_read_only_reason(sub_agreement)
    if request.method == "POST" and not closed:
        form = RecordForm(
            request.POST, request.FILES, indicators=indicators, attachments=attachments
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_update(
                    record=record,
                    user=request.user,
                    scope=request_scope(request),
                    record_type=data["record_type"],
                    date=data["date"],
                    place=data["place"],
                    participants=data["participants"],
                    description=data["description"],
                    amounts=form.amounts() or {},
                    files=data["files"],
                    remove_attachment_ids=data.get("remove") or [],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Activity record saved."))
                return redirect("records:record_detail", pk=record.pk)
    else:
        form = RecordForm(
            initial=RecordForm.initial_for(record), indicators=indicators, attachments=attachments
        )
    return render(
        request,
        "records/form.html",
        {"form": form, "sub_agreement": sub_agreement, "record": record, "closed_reason": closed},
    )


@login_required
@require_POST
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = _editable_record(request, pk)
    if request.POST.get("confirmed") != "1":
        return render(request, "records/delete_confirm.html", {"record": record})
    try:
        services.record_delete(record=record, user=request.user, scope=request_scope(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("records:record_detail", pk=record.pk)
    messages.success(request, _("Activity record deleted."))
    return redirect(_list_url(record.sub_agreement_id))


def _file_response(field, *, content_type: str, name: str, inline: bool) -> FileResponse:
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=name
    )
    response["Cache-Control"] = "private, no-store"
    # A stored file is never a page: no script runs even if a browser were to sniff it.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(pk=pk, scope=request_scope(request))
    extension = attachment.file.name.rsplit(".", 1)[-1]
    return _file_response(
        attachment.file,
        content_type=attachment.content_type,
        name=f"hoat-dong-{attachment.record_id}-{attachment.pk}.{extension}",
        inline=attachment.is_image,
    )


@login_required
@require_safe
def attachment_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(pk=pk, scope=request_scope(request))
    return _file_response(
        attachment.thumbnail,
        content_type="image/jpeg",
        name=f"hoat-dong-{attachment.record_id}-{attachment.pk}-nho.jpg",
        inline=True,
    )


@login_required
@require_safe
def evidence_coverage(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    plan = request_plan(request)
    if plan is None:
        raise Http404
    return render(
        request,
        "records/coverage.html",
        {"table": selectors.evidence_coverage(scope=scope, plan=plan), "plan": plan},
    )
