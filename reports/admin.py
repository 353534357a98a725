from django.contrib import admin

from reports.models import IssuedReport, RenderJob


@admin.register(IssuedReport)
class IssuedReportAdmin(admin.ModelAdmin):
    """Read-only: an issued document is a record; it is never edited after issue."""

    list_display = [
        "number_line",
        "kind",
        "period_label",
        "sub_agreement",
        "issued_by",
        "issued_at",
    ]
    list_filter = ["kind", "period"]
    readonly_fields = [field.name for field in IssuedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "period", "issue", "status", "seconds", "requested_by"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in RenderJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
