"""django-import-export resources for the administration.

The monthly figures themselves are imported by hand-written code (activities/imports.py, see
why there); here only the read-only export of approved figures, and the pieces that every
resource of the portal shares: spreadsheet-safe export and an audit trail of imports."""

from import_export import fields, resources, widgets

from activities.models import ActivityValue, MonthlyReport
from activities.selectors import approved_values
from activities.spreadsheet import month_text
from core.import_export import FormulaSafeExportMixin


class ApprovedValueResource(FormulaSafeExportMixin, resources.ModelResource):
    """Approved figures, one row per district × month × indicator. Export only."""

    unit_code = fields.Field(
        attribute="report__sub_agreement__org_unit__code", column_name="Mã đơn vị", readonly=True
    )
    unit_name = fields.Field(
        attribute="report__sub_agreement__org_unit__name", column_name="Đơn vị", readonly=True
    )
    month = fields.Field(column_name="Tháng", readonly=True)
    indicator_code = fields.Field(
        attribute="indicator__code", column_name="Mã chỉ tiêu", readonly=True
    )
    indicator_name = fields.Field(
        attribute="indicator__name", column_name="Chỉ tiêu", readonly=True
    )
    value = fields.Field(
        attribute="value", column_name="Giá trị", widget=widgets.IntegerWidget(), readonly=True
    )
    numerator = fields.Field(
        attribute="numerator", column_name="Tử số", widget=widgets.IntegerWidget(), readonly=True
    )
    denominator = fields.Field(
        attribute="denominator",
        column_name="Mẫu số",
        widget=widgets.IntegerWidget(),
        readonly=True,
    )
    comment = fields.Field(attribute="comment", column_name="Ghi chú", readonly=True)

    class Meta:
        model = ActivityValue
        fields = (
            "unit_code",
            "unit_name",
            "month",
            "indicator_code",
            "indicator_name",
            "value",
            "numerator",
            "denominator",
            "comment",
        )
        export_order = fields

    def dehydrate_month(self, value: ActivityValue) -> str:
        return month_text(value.report.month)

    def get_queryset(self):
        return approved_values()

    def filter_export(self, queryset, **kwargs):
        # The admin exports from the monthly reports' list: keep its filters, then take the
        # approved figures of the reports it shows.
        if queryset is not None and queryset.model is MonthlyReport:
            return self.get_queryset().filter(report__in=queryset.values("pk"))
        return super().filter_export(queryset, **kwargs)
