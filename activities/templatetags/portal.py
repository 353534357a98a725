"""Template filters that keep internal names off the pages: stored statuses, object types,
indicator codes and field names as the reader's words, figures in the Vietnamese format."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import REPORT_OBJECT_TYPE, MonthlyReport
from agreements.models import Agreement
from core import numbers

register = template.Library()

# Keys of the audit trail's before/after that are not indicator codes or model fields.
_KEYS = {
    "narrative": gettext_lazy("Narrative"),
    "value": gettext_lazy("Figure"),
    "numerator": gettext_lazy("numerator"),
    "denominator": gettext_lazy("denominator"),
    "comment": gettext_lazy("comment"),
    "status": gettext_lazy("Status"),
    "file": gettext_lazy("file"),
    "file_name": gettext_lazy("file"),
    "sha256": "SHA-256",
    "created": gettext_lazy("created"),
    "changed": gettext_lazy("changed"),
    "reason": gettext_lazy("Reason"),
    "usable_password": gettext_lazy("has a usable password"),
    "from_plan": gettext_lazy("previous plan"),
    "tasks": gettext_lazy("tasks"),
    "indicators": gettext_lazy("indicators"),
    "sub_agreements": gettext_lazy("sub-agreements"),
    "number_line": gettext_lazy("number"),
    "file_sha256": "SHA-256",
    "figures_sha256": gettext_lazy("figures (SHA-256)"),
    "withdrawn": gettext_lazy("withdrawn"),
    "counts": gettext_lazy("counts"),
    "units_ended": gettext_lazy("units ended"),
    "units_created": gettext_lazy("units created"),
    "units_reused": gettext_lazy("units kept"),
    "basis": gettext_lazy("legal basis"),
    "on": gettext_lazy("from"),
}
# Models named in plan-load counts ({"created": {"OrgUnit": 152, …}}).
_MODEL_APPS = ("agreements", "activities", "reports", "notifications")


@register.filter
def figure(value, decimals=0):
    """``{{ value|figure }}``: 1.800; an em dash for no value."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        return value
    return numbers.figure(value, int(decimals))


@register.simple_tag
def ratio(numerator, denominator):
    """``{% ratio n d %}``: 400/560 (71,4 %); a missing value (the template's "") is —."""
    if numerator in (None, "") or denominator in (None, ""):
        return "—"
    return numbers.percent(numerator, denominator)


@register.filter
def status_label(value: str) -> str:
    """A stored status ("submitted") in the reader's words ("Đã gửi")."""
    for choices in (MonthlyReport.Status, Agreement.Status):
        if value in choices.values:
            return str(choices(value).label)
    return value or "—"


def _model(object_type: str):
    if object_type == REPORT_OBJECT_TYPE:
        return MonthlyReport
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def object_type_label(object_type: str) -> str:
    """ "monthly_report" → "Báo cáo tháng", "agreements.target" → the model's verbose name."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name).capitalize()
    if object_type == "agreements.reform":
        return _("Reform")
    return object_type


@register.filter
def change_label(key: str, names: dict | None = None) -> str:
    """An audit key in words: an indicator's name for its code, a field's verbose name."""
    if names and key in names:
        return names[key]
    if key in _KEYS:
        return str(_KEYS[key])
    for app_label in _MODEL_APPS:
        try:
            return str(apps.get_model(app_label, key)._meta.verbose_name_plural).capitalize()
        except LookupError:
            continue
    return key.replace("_", " ")


@register.filter
def field_label(key: str, object_type: str) -> str:
    """A model field of an audited object (administration changes) by its verbose name."""
    model = _model(object_type)
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
        # A reverse relation (e.g. a house's photos) has no verbose name of its own: name it
        # by the related model's.
        if field is not None and hasattr(field, "verbose_name"):
            return str(field.verbose_name)
        if field is not None and field.related_model is not None:
            return str(field.related_model._meta.verbose_name_plural).capitalize()
    return change_label(key)


@register.filter
def change_value(value) -> str:
    """One audited value: a figure, a ratio's parts as 320/441, a comment, or text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float)):
        return numbers.figure(value, None)
    if isinstance(value, dict):
        parts = []
        if value.get("numerator") is not None or value.get("denominator") is not None:
            parts.append(
                f"{numbers.figure(value.get('numerator'))}/"
                f"{numbers.figure(value.get('denominator'))}"
            )
        elif "value" in value:
            parts.append(numbers.figure(value.get("value")))
        for key, item in value.items():
            if key in ("value", "numerator", "denominator") or item in (None, "", {}, []):
                continue
            parts.append(f"{change_label(key)}: {change_value(item)}")
        return "; ".join(parts) or "—"
    if isinstance(value, list):
        return ", ".join(change_value(item) for item in value)
    return str(value)
