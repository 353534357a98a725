from django.contrib import admin
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from activities.models import ActivityValue, MonthlyReport
from activities.resources import ApprovedValueResource
from core.admin import ReadOnlyAdmin


class ValueInline(admin.TabularInline):
    model = ActivityValue
    fields = ["indicator", "value", "numerator", "denominator", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ExportMixin, ReadOnlyAdmin):
    # Export only: the approved figures of the months the list shows (its filters apply).
    resource_classes = [ApprovedValueResource]
    export_formats = [XLSX, CSV]
    export_template_name = "admin/spreadsheet/export.html"
    list_display = ["sub_agreement", "month", "status", "version", "submitted_at", "is_sample"]
    list_filter = ["status", "month", "is_sample"]
    search_fields = ["sub_agreement__org_unit__name"]
    inlines = [ValueInline]
    list_select_related = ["sub_agreement"]
