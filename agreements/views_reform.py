"""The reform page for provincial staff: upload a mapping file (or pick units), see
everything the reform creates and ends, apply it in one transaction."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from agreements import reforms
from agreements.forms import ReformForm
from agreements.models import Membership, OrgUnit
from agreements.selectors import request_scope
from agreements.services import reform_apply

# The preview's rows travel to the apply step signed (nothing is stored between the steps);
# the apply recomputes everything and compares it with the preview the user saw.
PAYLOAD_SALT = "agreements.reform"
PAYLOAD_MAX_AGE = 2 * 60 * 60
KIND_LABELS = {
    OrgUnit.Kind.COMMUNE: pgettext_lazy("unit kind", "Commune"),
    OrgUnit.Kind.WARD: pgettext_lazy("unit kind", "Ward"),
    OrgUnit.Kind.DISTRICT: pgettext_lazy("unit kind", "District"),
    OrgUnit.Kind.TOWN: pgettext_lazy("unit kind", "Town"),
    OrgUnit.Kind.CITY: pgettext_lazy("unit kind", "City"),
}


def _staff_only(request: HttpRequest) -> None:
    if not request_scope(request).can_manage:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def reform(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if request.method == "POST" and request.POST.get("step") in ("refresh", "apply"):
        return _confirm(request)
    errors: list[str] = []
    if request.method == "POST":
        form = ReformForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            file_name = sha256 = ""
            try:
                if data["file"]:
                    content = data["file"].read()
                    file_name, sha256 = data["file"].name, hashlib.sha256(content).hexdigest()
                    rows = reforms.reform_file_read(content=content)
                else:
                    rows = reforms.reform_rows_from_form(
                        old_codes=[unit.code for unit in data["old_units"]],
                        successor_lines=data["successors"],
                    )
                preview = reforms.reform_preview(rows=rows, on=data["on"], basis=data["basis"])
            except ValidationError as error:
                errors = list(error.messages)
            else:
                payload = {
                    "rows": reforms.rows_dump(rows),
                    "on": data["on"].isoformat(),
                    "basis": data["basis"],
                    "file_name": file_name,
                    "sha256": sha256,
                }
                return _preview_page(request, preview, payload)
    else:
        form = ReformForm()
    return render(
        request,
        "agreements/reform.html",
        {"form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    try:
        payload = signing.loads(
            request.POST.get("payload", ""), salt=PAYLOAD_SALT, max_age=PAYLOAD_MAX_AGE
        )
        rows = reforms.rows_load(payload["rows"])
        on = parse_date(payload["on"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return render(
            request,
            "agreements/reform.html",
            {
                "form": ReformForm(),
                "errors": [_("The preview has expired or was altered. Upload the file again.")],
            },
            status=400,
        )
    members_to = {
        key.removeprefix("members-"): value
        for key, value in request.POST.items()
        if key.startswith("members-")
    }
    arguments = {"rows": rows, "on": on, "basis": payload["basis"], "members_to": members_to}
    if request.POST["step"] == "apply":
        try:
            result = reform_apply(
                user=request.user,
                fingerprint=request.POST.get("fingerprint", ""),
                file_name=payload["file_name"],
                file_sha256=payload["sha256"],
                **arguments,
            )
        except ValidationError as error:
            problems = list(error.messages)
        else:
            if result.has_changes:
                counts = result.counts
                messages.success(
                    request,
                    _(
                        "Reform recorded: %(created)s new units, %(ended)s units ended, "
                        "%(links)s links, %(subs)s new sub-agreements, %(members)s "
                        "memberships."
                    )
                    % {
                        "created": counts["units_created"],
                        "ended": counts["units_ended"],
                        "links": counts["links_created"],
                        "subs": counts["sub_agreements_created"],
                        "members": counts["memberships_created"],
                    },
                )
            else:
                messages.info(request, _("Nothing to change: this reform is already recorded."))
            return redirect("agreements:reform")
    else:
        problems = []
    try:
        preview = reforms.reform_preview(**arguments)
    except ValidationError as error:
        problems += list(error.messages)
        preview = reforms.ReformPreview(on=on, basis=payload["basis"])
    return _preview_page(request, preview, payload, problems=problems)


def _preview_page(
    request: HttpRequest, preview: reforms.ReformPreview, payload: dict, *, problems=()
) -> HttpResponse:
    names = {item.code: item.name for item in preview.units_created}
    names.update(
        dict(
            OrgUnit.objects.filter(
                code__in=[*preview.units_reused, *(p.code for p in preview.predecessors)]
            ).values_list("code", "name")
        )
    )
    roles = dict(Membership.Role.choices)
    context = {
        "preview": preview,
        "problems": problems,
        "payload": signing.dumps(payload, salt=PAYLOAD_SALT, compress=True),
        "file_name": payload.get("file_name", ""),
        "units_created": [
            (item, KIND_LABELS.get(item.kind, item.kind)) for item in preview.units_created
        ],
        "units_reused": [(code, names.get(code, code)) for code in preview.units_reused],
        "memberships": [
            (item, roles.get(item.role, item.role), names.get(item.unit_code, item.unit_code))
            for item in preview.memberships_created
        ],
    }
    status = 400 if preview.errors or problems else 200
    return render(request, "agreements/reform_preview.html", context, status=status)
