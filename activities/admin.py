from django.contrib import admin
from django.utils.translation import gettext_lazy as _
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
    # Month, status and version first and the unit by its short name: the agreement's full
    # title pushed them out of a 1366 px screen.
    list_display = ["month_label", "status", "version", "unit_name", "submitted_at", "is_sample"]
    list_display_links = ["month_label"]
    list_filter = ["status", "month", "is_sample"]
    search_fields = ["sub_agreement__org_unit__name"]
    inlines = [ValueInline]
    list_select_related = ["sub_agreement__org_unit"]

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj):
        return obj.month.strftime("%m/%Y")

    @admin.display(description=_("unit"), ordering="sub_agreement__org_unit__name")
    def unit_name(self, obj):
        return obj.sub_agreement.org_unit.name
