"""Provincial staff extend the list of activity types and say what each counts toward; the
records themselves are written on the portal's pages (scope, dates and approved months
checked there), so the administration only shows them."""

from django.contrib import admin

from audit.admin import AuditedAdminMixin
from core.admin import ReadOnlyAdmin
from records.models import ActivityRecord, RecordAmount, RecordType, RecordTypeIndicator


class RecordTypeIndicatorInline(admin.TabularInline):
    model = RecordTypeIndicator
    fields = ["indicator_code", "amount", "from_participants"]
    extra = 1


@admin.register(RecordType)
class RecordTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name"]
    inlines = [RecordTypeIndicatorInline]

    def has_delete_permission(self, request, obj=None):
        # Records keep their type (PROTECT); retire a type by unticking "in use".
        return False


class AmountInline(admin.TabularInline):
    model = RecordAmount
    fields = ["indicator", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ReadOnlyAdmin):
    list_display = ["date", "sub_agreement", "record_type", "place", "participants"]
    list_filter = ["record_type", "month"]
    search_fields = ["place", "description", "sub_agreement__org_unit__name"]
    list_select_related = ["sub_agreement__org_unit", "record_type"]
    inlines = [AmountInline]
    exclude = ["search_text"]
