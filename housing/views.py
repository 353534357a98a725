"""Thin views of the housing register: parse, check role and scope, call a selector or one
service, render. A page that shows a household's personal data gets it from
``services.household_read``, which logs the read in the same request."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from activities.selectors import sub_agreement_get
from agreements.models import Agreement
from agreements.selectors import plan_read_only_reason, request_plan, request_scope
from core import calendar
from housing import rules, selectors, services
from housing.forms import (
    AdvanceForm,
    FilterForm,
    HouseForm,
    HouseholdForm,
    PhotoForm,
    ReasonForm,
)
from housing.models import House, HousePhoto, PersonalDataAccess
from housing.selectors import HouseFilters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [msg for msgs in error.message_dict.values() for msg in msgs]
    return list(error.messages)


def _form_errors(error: ValidationError, *forms) -> None:
    """Put a service's field errors on the fields of whichever form has them; the rest on
    the first form."""
    forms = [form for form in forms if form is not None]
    if not hasattr(error, "error_dict"):
        forms[0].add_error(None, error)
        return
    for key, messages_ in error.message_dict.items():
        key = {"current_unit_id": "current_unit"}.get(key, key)
        owner = next((form for form in forms if key in form.fields), None)
        if owner is None:
            forms[0].add_error(None, messages_)
        else:
            owner.add_error(key, messages_)


def _plan(request: HttpRequest) -> Agreement:
    plan = request_plan(request)
    if plan is None:
        raise Http404
    return plan


def _filters(form: FilterForm, **extra) -> HouseFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return HouseFilters(
        search=data.get("q") or "",
        status=data.get("status") or "",
        funding_source=data.get("funding") or "",
        former_district_id=data.get("district"),
        current_unit_id=data.get("unit"),
        late=bool(data.get("late")),
        **extra,
    )


def _page_number(form: FilterForm) -> int:
    return (form.cleaned_data.get("page") if form.is_valid() else None) or 1


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- One unit's register --------------------------------------------------------------------


def _house_form_page(request, sub_agreement, form, household_form, *, house) -> HttpResponse:
    """The add and edit pages share one template; a POST that reaches it had errors (400)."""
    return render(
        request,
        "housing/form.html",
        {
            "sub_agreement": sub_agreement,
            "form": form,
            "household_form": household_form,
            "house": house,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def house_list(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = sub_agreement_get(pk=sub_agreement_id, scope=scope)
    units = services.current_unit_choices(sub_agreement)
    form = FilterForm(request.GET or None, units=units if len(units) > 1 else ())
    filters = _filters(form, sub_agreement_id=sub_agreement.pk)
    page = selectors.house_list(
        scope=scope, plan=sub_agreement.parent, filters=filters, page=_page_number(form)
    )
    return render(
        request,
        "housing/list.html",
        {
            "sub_agreement": sub_agreement,
            "form": form,
            "page": page,
            "base_query": urlencode(query) + "&" if (query := filters.as_query()) else "",
            "can_edit": rules.can_edit_houses(scope, sub_agreement.org_unit_id)
            and not plan_read_only_reason(sub_agreement),
            "can_see_personal": rules.can_see_personal(scope, sub_agreement.org_unit_id),
        },
    )


def _require_edit(request: HttpRequest, sub_agreement: Agreement) -> None:
    if not rules.can_edit_houses(request_scope(request), sub_agreement.org_unit_id):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def house_create(request: HttpRequest, sub_agreement_id: int) -> HttpResponse:
    scope = request_scope(request)
    sub_agreement = sub_agreement_get(pk=sub_agreement_id, scope=scope)
    _require_edit(request, sub_agreement)
    personal = rules.can_see_personal(scope, sub_agreement.org_unit_id)
    units = services.current_unit_choices(sub_agreement)
    data = request.POST if request.method == "POST" else None
    form = HouseForm(data, units=units, initial={"current_unit": sub_agreement.org_unit_id})
    household_form = HouseholdForm(data) if personal else None
    if request.method == "POST":
        valid = form.is_valid() & (household_form is None or household_form.is_valid())
        if valid:
            try:
                house = services.house_create(
                    user=request.user,
                    scope=scope,
                    sub_agreement=sub_agreement,
                    data=form.to_input(),
                    household=household_form.to_input() if household_form else None,
                )
            except ValidationError as error:
                _form_errors(error, form, household_form)
            else:
                messages.success(request, _("The house was added to the register."))
                return redirect("housing:detail", house_id=house.pk)
    return _house_form_page(request, sub_agreement, form, household_form, house=None)


@login_required
@require_safe
def house_detail(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    sub_agreement = house.sub_agreement
    personal = rules.can_see_personal(scope, sub_agreement.org_unit_id)
    household = (
        services.household_read(
            user=request.user, scope=scope, house=house, action=PersonalDataAccess.Action.VIEW
        )
        if personal
        else None
    )
    can_edit = rules.can_edit_houses(scope, sub_agreement.org_unit_id) and not (
        plan_read_only_reason(sub_agreement)
    )
    next_status = house.next_status
    return render(
        request,
        "housing/detail.html",
        {
            "house": house,
            "sub_agreement": sub_agreement,
            "photos": list(house.photos.all()),
            "household": household,
            "can_see_personal": personal,
            "can_edit": can_edit,
            "next_status": next_status,
            "next_label": House.Status(next_status).label if next_status else "",
            "advance_form": AdvanceForm(initial={"to_status": next_status, "on": calendar.today()}),
            "photo_form": PhotoForm(),
            "reason_form": ReasonForm(),
            "is_late": house.status in selectors.OPEN
            and house.planned_completion is not None
            and house.planned_completion < calendar.today(),
            "history": selectors.house_history(house=house),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def house_edit(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    sub_agreement = house.sub_agreement
    _require_edit(request, sub_agreement)
    personal = rules.can_see_personal(scope, sub_agreement.org_unit_id)
    units = services.current_unit_choices(sub_agreement)
    household_form = None
    if request.method == "POST":
        form = HouseForm(request.POST, units=units)
        if personal:
            household_form = HouseholdForm(request.POST)
        valid = form.is_valid() & (household_form is None or household_form.is_valid())
        if valid:
            try:
                services.house_update(
                    user=request.user,
                    scope=scope,
                    house=house,
                    data=form.to_input(),
                    household=household_form.to_input() if household_form else None,
                )
            except ValidationError as error:
                _form_errors(error, form, household_form)
            else:
                messages.success(request, _("The house was saved."))
                return redirect("housing:detail", house_id=house.pk)
    else:
        form = HouseForm(units=units, initial=HouseForm.initial_from(house))
        if personal:
            household = services.household_read(
                user=request.user,
                scope=scope,
                house=house,
                action=PersonalDataAccess.Action.EDIT_FORM,
            )
            if household is None or household.anonymised_at is None:
                household_form = HouseholdForm(initial=HouseholdForm.initial_from(household))
    return _house_form_page(request, sub_agreement, form, household_form, house=house)


@login_required
@require_POST
def house_advance(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    _require_edit(request, house.sub_agreement)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the date of this step."))
    else:
        try:
            services.house_advance(
                user=request.user,
                scope=scope,
                house=house,
                to_status=form.cleaned_data["to_status"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, _("The house's status was changed."))
    return redirect("housing:detail", house_id=house.pk)


@login_required
@require_POST
def photo_add(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    _require_edit(request, house.sub_agreement)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo to upload."))
    else:
        try:
            services.house_photo_add(
                user=request.user, scope=scope, house=house, upload=form.cleaned_data["photo"]
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, _("The photo was added."))
    return redirect("housing:detail", house_id=house.pk)


@login_required
@require_safe
def photo(request: HttpRequest, photo_id: int, size: str) -> HttpResponse:
    """A house photo, to whoever may read the house; never from /media/."""
    scope = request_scope(request)
    item = HousePhoto.objects.filter(pk=photo_id).select_related("house").first()
    if item is None or size not in ("full", "thumb"):
        raise Http404
    selectors.house_get(pk=item.house_id, scope=scope)  # 404 outside the scope
    stored = item.image if size == "full" else item.thumbnail
    if not stored:  # the worker has not made the thumbnail yet
        raise Http404
    content_type = item.content_type if size == "full" else "image/jpeg"
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def house_delete(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    _require_edit(request, house.sub_agreement)
    try:
        services.house_delete(user=request.user, scope=scope, house=house)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("housing:detail", house_id=house.pk)
    messages.success(request, _("The house was deleted from the register."))
    return redirect("housing:list", sub_agreement_id=house.sub_agreement_id)


# --- Data-subject requests ------------------------------------------------------------------


def _require_personal(request: HttpRequest, house: House) -> None:
    if not rules.can_see_personal(request_scope(request), house.sub_agreement.org_unit_id):
        raise PermissionDenied


@login_required
@require_safe
def household_export(request: HttpRequest, house_id: int) -> HttpResponse:
    """Everything the register holds about one household (JSON, or xlsx with ?format=xlsx),
    for a data subject's request; logged."""
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    _require_personal(request, house)
    try:
        data = services.household_export(user=request.user, scope=scope, house=house)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("housing:detail", house_id=house.pk)
    name = f"ho-gia-dinh-nha-{house.pk}"
    if request.GET.get("format") == "xlsx":
        from housing.spreadsheet import household_workbook

        return _download(household_workbook(data), name=f"{name}.xlsx", content_type=XLSX)
    return _download(
        json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        name=f"{name}.json",
        content_type="application/json; charset=utf-8",
    )


@login_required
@require_POST
def household_anonymise(request: HttpRequest, house_id: int) -> HttpResponse:
    scope = request_scope(request)
    house = selectors.house_get(pk=house_id, scope=scope)
    _require_edit(request, house.sub_agreement)
    _require_personal(request, house)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say who asked and why (the request)."))
        return redirect("housing:detail", house_id=house.pk)
    try:
        services.household_anonymise(
            user=request.user, scope=scope, house=house, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The household's personal data was anonymised."))
    return redirect("housing:detail", house_id=house.pk)


# --- The admin's log of personal-data access -------------------------------------------------


@login_required
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if "admin" not in scope.roles:
        raise PermissionDenied
    page = selectors.access_log_page(
        user_text=request.GET.get("user", ""),
        day_text=request.GET.get("day", ""),
        page=request.GET.get("page", "1"),
    )
    return render(request, "housing/access_log.html", {"page": page})
