from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from reports.models import IssuedReport, RenderJob


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("In force")), ("yes", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(IssuedReport)
class IssuedReportAdmin(admin.ModelAdmin):
    """Read-only: an issued document is a record; it is never edited or deleted after issue.
    One issued by mistake is withdrawn, with a reason, from the issued reports page."""

    list_display = [
        "number_line",
        "kind",
        "period_label",
        "sub_agreement",
        "issued_by",
        "issued_at",
        "withdrawn_at",
    ]
    list_filter = ["kind", "period", WithdrawnFilter]
    readonly_fields = [field.name for field in IssuedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Also removes the bulk "delete selected" action.
        return False


@admin.register(RenderJob)
class RenderJobAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "period", "issue", "status", "seconds", "requested_by"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in RenderJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
