"""The register in Excel (export; import with preview and confirm) and the province view."""

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from activities.selectors import sub_agreement_get
from agreements.selectors import request_scope
from housing import imports, rules, selectors, services
from housing.forms import FilterForm, UploadForm
from housing.models import PersonalDataAccess
from housing.spreadsheet import houses_workbook
from housing.views import XLSX, _download, _filters, _page_number, _plan


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The houses as xlsx: one unit's (``?sub=``) or, for province-wide roles, all. Personal
    columns (``?personal=1``) only for roles with the right to every house exported; that
    export is logged with the households it holds."""
    scope = request_scope(request)
    plan = _plan(request)
    sub_id = request.GET.get("sub", "")
    sub_agreement = None
    if sub_id.isdigit():
        sub_agreement = sub_agreement_get(pk=int(sub_id), scope=scope)
        plan = sub_agreement.parent
    elif not scope.sees_all:
        raise PermissionDenied
    form = FilterForm(request.GET or None)
    filters = _filters(form, sub_agreement_id=sub_agreement.pk if sub_agreement else None)
    # The province view's former-district and current-unit filters carry over as ids (they
    # only narrow what the scope already allows).
    district, unit = request.GET.get("district", ""), request.GET.get("unit", "")
    filters = replace(
        filters,
        former_district_id=int(district) if district.isdigit() and len(district) < 19 else None,
        current_unit_id=int(unit) if unit.isdigit() and len(unit) < 19 else None,
    )
    with_personal = request.GET.get("personal") == "1"
    if with_personal and not rules.can_see_personal(
        scope, sub_agreement.org_unit_id if sub_agreement else None
    ):
        raise PermissionDenied
    rows = selectors.house_export_rows(
        scope=scope, plan=plan, filters=filters, with_personal=with_personal
    )
    if with_personal:
        services.personal_access_log(
            user=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            household_ids=[row.household_id for row in rows if row.household_id],
        )
    who = sub_agreement.org_unit.code if sub_agreement else "tat-ca"
    suffix = "-du-lieu-ca-nhan" if with_personal else ""
    return _download(
        houses_workbook(rows, with_personal=with_personal),
        name=f"so-nha-{who}{suffix}.xlsx",
        content_type=XLSX,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = sub_agreement_get(pk=sub_agreement_id, scope=scope)
    if not rules.can_edit_houses(scope, sub_agreement.org_unit_id):
        raise PermissionDenied
    errors: list[str] = []
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.max_bytes():
            errors = [
                _("The file is larger than %(limit)s. Split it into smaller files.")
                % {"limit": imports.size_text(imports.max_bytes())}
            ]
        else:
            try:
                batch = imports.house_import_create(
                    user=request.user,
                    scope=scope,
                    sub_agreement=sub_agreement,
                    file_name=upload.name,
                    content=upload.read(),
                )
            except ValidationError as error:
                errors = list(error.messages)
            else:
                return redirect("housing:import_preview", token=batch.token)
    return render(
        request,
        "housing/import_upload.html",
        {"form": form, "errors": errors, "sub_agreement": sub_agreement},
        status=400 if errors or form.errors else 200,
    )


def _own_batch(request: HttpRequest, token: str):
    scope = request_scope(request)
    batch = imports.house_import_get(token=token, user=request.user)
    if batch is None or not rules.can_edit_houses(scope, batch.sub_agreement.org_unit_id):
        raise Http404
    return scope, batch


@login_required
@require_safe
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    _scope, batch = _own_batch(request, token)
    preview = batch.preview
    counts = preview.get("counts", {})
    return render(
        request,
        "housing/import_preview.html",
        {
            "batch": batch,
            "rows": preview.get("rows", [])[:1000],
            "counts": counts,
            "has_errors": counts.get("error", 0) > 0,
            "has_changes": counts.get("new", 0) > 0,
        },
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    scope, batch = _own_batch(request, token)
    try:
        added = imports.house_import_confirm(batch=batch, user=request.user, scope=scope)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("housing:import_preview", token=batch.token)
    messages.success(request, _("Imported: %(count)s new houses.") % {"count": added})
    return redirect("housing:list", sub_agreement_id=batch.sub_agreement_id)


@login_required
@require_safe
def province(request: HttpRequest) -> HttpResponse:
    """Where the plan's houses stand, for leadership and provincial staff: progress toward
    the goal by former district, current unit and funding source, the late houses, and the
    whole list with filters. No household data on this page, whoever looks."""
    scope = request_scope(request)
    if not scope.sees_all:
        raise PermissionDenied
    plan = _plan(request)
    progress = selectors.province_housing(plan=plan, scope=scope)
    districts = [line for line in progress.by_former_district]
    units = [line for line in progress.by_current_unit]
    form = FilterForm(
        request.GET or None,
        districts=[_Choice(int(line.key), line.label) for line in districts],
        units=[_Choice(int(line.key), line.label) for line in units],
    )
    filters = _filters(form)
    page = selectors.house_list(scope=scope, plan=plan, filters=filters, page=_page_number(form))
    query = filters.as_query()
    return render(
        request,
        "housing/province.html",
        {
            "plan": plan,
            "progress": progress,
            "form": form,
            "page": page,
            "base_query": urlencode(query) + "&" if query else "",
            "export_query": urlencode({**query, "plan": plan.code}),
        },
    )


class _Choice:
    def __init__(self, pk: int, name: str):
        self.pk, self.name = pk, name
