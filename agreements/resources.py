"""The plan's set-up data in and out of Excel through the administration (django-import-export):
targets for 21 districts × 13 indicators × years from one file instead of 800 admin forms.

Rows are matched by natural keys (agreement code, indicator code, year), never by database ids,
so the same file imported twice changes nothing the second time. The headers are Vietnamese and
fixed: they are the file format, like activities/spreadsheet.py's."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from agreements.models import Agreement, Baseline, Indicator, Target, Task
from agreements.selectors import plan_read_only_reason
from audit.import_export import AuditedImportMixin
from core.cells import CellError, parse_count, unneutralise
from core.import_export import FormulaSafeExportMixin, PreloadedInstanceLoader
from core.text import nfc

# "95,5" or "95.5": one or two digits after the separator cannot be a thousands group.
_SHORT_DECIMAL = re.compile(r"\d+[.,]\d{1,2}")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(nfc(str(value)).strip())


class TextWidget(widgets.CharWidget):
    """Text in NFC, without the apostrophe our own exports put before would-be formulas."""

    def clean(self, value, row=None, **kwargs):
        return _text(value)


class AgreementWidget(widgets.Widget):
    """An agreement by its code (a plan's code, or a sub-agreement's)."""

    def __init__(self, resource):
        super().__init__()
        self.resource = resource

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        if not code:
            raise ValueError(_("The agreement code is empty."))
        agreement = self.resource.agreement_by_code(code)
        if agreement is None:
            raise ValueError(_("There is no agreement with the code “%(code)s”.") % {"code": code})
        return agreement

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class IndicatorWidget(widgets.Widget):
    """An indicator by its code, within the plan of the row's agreement (codes are unique per
    plan only)."""

    def __init__(self, resource, *, agreement_column: str):
        super().__init__()
        self.resource = resource
        self.agreement_column = agreement_column

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        if not code:
            raise ValueError(_("The indicator code is empty."))
        agreement = self.resource.agreement_by_code(_text((row or {}).get(self.agreement_column)))
        if agreement is None:
            # The agreement column carries the error; nothing more to say here.
            raise ValueError(_("Check the agreement code first."))
        indicator = self.resource.indicator_by_code(agreement.plan, code)
        if indicator is None:
            raise ValueError(
                _("The plan has no indicator with the code “%(code)s”.") % {"code": code}
            )
        return indicator

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class YearWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(
                _(
                    "“%(text)s” is not a year; write e.g. 2024, "
                    "or leave it empty for the whole plan."
                )
                % {"text": text}
            )
        return int(text)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class WholeNumberWidget(widgets.IntegerWidget):
    """IntegerWidget raises InvalidOperation on text, which django-import-export reports as a
    crash with a traceback; a ValueError becomes a message on the row instead."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except (ArithmeticError, TypeError):
            raise ValueError(_("“%(text)s” is not a number.") % {"text": value}) from None


class TargetValueWidget(widgets.DecimalWidget):
    """A non-negative number: 1800, "1800", "1.800" or "1,800" (thousands), "95,5" or "95.5"
    (decimals). Exported as a plain number, not as text and not with locale separators."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError(_("The target is empty."))
        if isinstance(value, bool):
            raise ValueError(_("“%(text)s” is not a number.") % {"text": value})
        if isinstance(value, int | float | Decimal):
            number = Decimal(str(value))
        else:
            text = nfc(value).replace("\u00a0", "").replace(" ", "")
            if text.startswith(("-", "\u2212")):
                raise ValueError(_("A target cannot be negative."))
            if _SHORT_DECIMAL.fullmatch(text):
                number = Decimal(text.replace(",", "."))
            else:
                try:
                    number = Decimal(parse_count(text))
                except CellError as error:
                    raise ValueError(str(error)) from error
        try:
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError(_("“%(text)s” is not a number.") % {"text": value}) from None
        if number < 0:
            raise ValueError(_("A target cannot be negative."))
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        number = int(value) if value == value.to_integral_value() else value.normalize()
        if kwargs.get("force_native_type"):
            return number
        return str(number).replace(".", ",")


class _PlanLookups:
    """Agreements and indicators are looked up once per import, not once per row."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._agreements: dict[str, Agreement | None] = {}
        self._indicators: dict[tuple[int, str], Indicator | None] = {}

    def agreement_by_code(self, code: str) -> Agreement | None:
        if code not in self._agreements:
            self._agreements[code] = (
                Agreement.objects.select_related("parent").filter(code=code).first()
            )
        return self._agreements[code]

    def indicator_by_code(self, plan: Agreement, code: str) -> Indicator | None:
        key = (plan.pk, code)
        if key not in self._indicators:
            self._indicators[key] = Indicator.objects.filter(plan=plan, code=code).first()
        return self._indicators[key]

    def get_instance(self, instance_loader, row):
        # A key that does not resolve is reported per column by import_instance (a validation
        # error naming the row) rather than as an exception with a traceback.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None


AGREEMENT = "Mã thỏa thuận"
INDICATOR = "Mã chỉ tiêu"
YEAR = "Năm"
VALUE = "Chỉ tiêu giao"


class TargetResource(
    _PlanLookups, AuditedImportMixin, FormulaSafeExportMixin, resources.ModelResource
):
    """Columns: agreement code, indicator code, year (empty = whole plan), target. The unit and
    indicator names are exported for reading and ignored on import."""

    agreement = fields.Field(attribute="agreement", column_name=AGREEMENT)
    unit_name = fields.Field(
        attribute="agreement__org_unit__name", column_name="Đơn vị", readonly=True
    )
    indicator = fields.Field(attribute="indicator", column_name=INDICATOR)
    indicator_name = fields.Field(
        attribute="indicator__name", column_name="Tên chỉ tiêu", readonly=True
    )
    measure = fields.Field(attribute="indicator__unit", column_name="Đơn vị tính", readonly=True)
    year = fields.Field(attribute="year", column_name=YEAR, widget=YearWidget())
    value = fields.Field(attribute="value", column_name=VALUE, widget=TargetValueWidget())

    class Meta:
        model = Target
        fields = (
            "agreement",
            "unit_name",
            "indicator",
            "indicator_name",
            "measure",
            "year",
            "value",
        )
        export_order = fields
        import_id_fields = ("agreement", "indicator", "year")
        instance_loader_class = PreloadedInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    trusted_fields = frozenset({"agreement", "indicator"})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The widgets need this import's lookup caches.
        self.fields["agreement"].widget = AgreementWidget(self)
        self.fields["indicator"].widget = IndicatorWidget(self, agreement_column=AGREEMENT)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        missing = [
            header
            for header in (AGREEMENT, INDICATOR, YEAR, VALUE)
            if header not in (dataset.headers or [])
        ]
        if missing:
            raise ValueError(
                _(
                    "The file has no column %(columns)s. "
                    "The first row must hold the headers: %(all)s."
                )
                % {
                    "columns": ", ".join(f"«{header}»" for header in missing),
                    "all": ", ".join((AGREEMENT, INDICATOR, YEAR, VALUE)),
                }
            )

    def get_queryset(self):
        return Target.objects.select_related("agreement__org_unit", "indicator__task").order_by(
            "agreement__parent_id",
            "agreement__org_unit__name",
            "indicator__task__order",
            "indicator__order",
            "indicator__code",
            "year",
        )

    def row_errors(self, instance: Target, *, exclude: set[str]) -> dict:
        errors = {}
        if "agreement" not in exclude:
            # Targets are per plan: a closed plan's stay as they were when it closed.
            reason = plan_read_only_reason(instance.agreement)
            if reason:
                return {"agreement": ValidationError(reason)}
        if {"agreement", "year"}.isdisjoint(exclude) and instance.year is not None:
            agreement = instance.agreement
            if not agreement.start_date.year <= instance.year <= agreement.end_date.year:
                errors["year"] = ValidationError(
                    _("%(year)s is outside the agreement (%(first)s–%(last)s).")
                    % {
                        "year": instance.year,
                        "first": agreement.start_date.year,
                        "last": agreement.end_date.year,
                    }
                )
        if {"indicator", "value"}.isdisjoint(exclude):
            if instance.indicator.is_ratio and instance.value > 100:
                errors["value"] = ValidationError(
                    _("%(code)s is a percentage: its target cannot exceed 100.")
                    % {"code": instance.indicator.code}
                )
        if {"agreement", "indicator"}.isdisjoint(exclude):
            if instance.indicator.plan_id != instance.agreement.plan.pk:
                errors["indicator"] = ValidationError(_("The indicator belongs to another plan."))
        return errors


class IndicatorResource(
    _PlanLookups, AuditedImportMixin, FormulaSafeExportMixin, resources.ModelResource
):
    """Indicators by plan code and indicator code; the task by its number within the plan."""

    plan = fields.Field(attribute="plan", column_name="Mã kế hoạch")
    code = fields.Field(attribute="code", column_name="Mã chỉ tiêu", widget=TextWidget())
    task = fields.Field(attribute="task", column_name="Nhiệm vụ số")
    name = fields.Field(attribute="name", column_name="Tên chỉ tiêu", widget=TextWidget())
    name_en = fields.Field(attribute="name_en", column_name="Tên tiếng Anh", widget=TextWidget())
    unit = fields.Field(attribute="unit", column_name="Đơn vị tính", widget=TextWidget())
    aggregation = fields.Field(
        attribute="aggregation", column_name="Cách tổng hợp", widget=TextWidget()
    )
    numerator_label = fields.Field(
        attribute="numerator_label", column_name="Nhãn tử số", widget=TextWidget()
    )
    denominator_label = fields.Field(
        attribute="denominator_label", column_name="Nhãn mẫu số", widget=TextWidget()
    )
    order = fields.Field(attribute="order", column_name="Thứ tự", widget=WholeNumberWidget())

    class Meta:
        model = Indicator
        fields = (
            "plan",
            "code",
            "task",
            "name",
            "name_en",
            "unit",
            "aggregation",
            "numerator_label",
            "denominator_label",
            "order",
        )
        export_order = fields
        import_id_fields = ("plan", "code")
        instance_loader_class = PreloadedInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    trusted_fields = frozenset({"plan", "task"})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["plan"].widget = AgreementWidget(self)
        self.fields["task"].widget = TaskWidget(self, plan_column="Mã kế hoạch")

    def get_queryset(self):
        return Indicator.objects.select_related("plan", "task").order_by(
            "plan_id", "task__order", "order", "code"
        )

    def row_errors(self, instance: Indicator, *, exclude: set[str]) -> dict:
        if "plan" not in exclude and instance.plan.parent_id is not None:
            return {"plan": ValidationError(_("Indicators belong to the plan, not to a district."))}
        return {}


class TaskWidget(widgets.Widget):
    """A task by its number within the row's plan."""

    def __init__(self, resource, *, plan_column: str):
        super().__init__()
        self.resource = resource
        self.plan_column = plan_column

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        plan = self.resource.agreement_by_code(_text((row or {}).get(self.plan_column)))
        if plan is None:
            raise ValueError(_("Check the plan code first."))
        # ASCII digits only: "²".isdigit() is true but int() refuses it, and that ValueError's
        # English text became the row's message.
        number = text.isascii() and text.isdigit() and len(text) < 10
        task = Task.objects.filter(agreement=plan, order=int(text)).first() if number else None
        if task is None:
            raise ValueError(_("The plan has no task number “%(text)s”.") % {"text": text})
        return task

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.order if kwargs.get("force_native_type") else str(value.order)


class BaselineResource(FormulaSafeExportMixin, resources.ModelResource):
    """Export only: the baselines the plan was signed against."""

    agreement = fields.Field(
        attribute="agreement__code", column_name="Mã thỏa thuận", readonly=True
    )
    indicator = fields.Field(attribute="indicator__code", column_name="Mã chỉ tiêu", readonly=True)
    value = fields.Field(
        attribute="value", column_name="Giá trị", widget=TargetValueWidget(), readonly=True
    )
    as_of = fields.Field(
        attribute="as_of", column_name="Tại ngày", widget=widgets.DateWidget("%d/%m/%Y")
    )
    note = fields.Field(attribute="note", column_name="Ghi chú", readonly=True)

    class Meta:
        model = Baseline
        fields = ("agreement", "indicator", "value", "as_of", "note")
        export_order = fields

    def get_queryset(self):
        return Baseline.objects.select_related("agreement", "indicator").order_by(
            "agreement_id", "indicator__code"
        )
