from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from activities.models import AuditEvent
from activities.services import audit_record_change, model_snapshot
from agreements.documents import AgreementForm
from agreements.models import (
    Agency,
    Agreement,
    AgreementParty,
    Baseline,
    Indicator,
    Membership,
    OrgUnit,
    Target,
    Task,
)
from agreements.resources import BaselineResource, IndicatorResource, TargetResource
from cooperation.admin_site import SafeAutocompleteMixin
from core.import_export import SafeCSV, SafeXLSX, read_error_message


class AuditedInlinesMixin:
    def save_formset(self, request, form, formset, change):
        """Inline rows (an agreement's parties and tasks, a user's roles) are audited like
        the parent."""
        with transaction.atomic():
            deleted = [f.instance for f in formset.deleted_forms if f.instance.pk]
            for obj in deleted:
                audit_record_change(
                    user=request.user,
                    obj=obj,
                    before=model_snapshot(obj),
                    action=AuditEvent.Action.ADMIN_DELETE,
                )
            before = {
                f.instance.pk: model_snapshot(type(f.instance).objects.get(pk=f.instance.pk))
                for f in formset.initial_forms
                if f.instance.pk and f.has_changed() and f.instance not in deleted
            }
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                audit_record_change(
                    user=request.user,
                    obj=type(obj).objects.get(pk=obj.pk),
                    action=AuditEvent.Action.ADMIN_ADD,
                )
            for obj, _fields in formset.changed_objects:
                audit_record_change(
                    user=request.user,
                    obj=type(obj).objects.get(pk=obj.pk),
                    before=before.get(obj.pk, {}),
                    action=AuditEvent.Action.ADMIN_CHANGE,
                )


class AuditedAdmin(SafeAutocompleteMixin, AuditedInlinesMixin, admin.ModelAdmin):
    """Every add, change and delete in the administration lands in the audit trail."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk:
            before = model_snapshot(type(obj).objects.get(pk=obj.pk))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record_change(
                user=request.user,
                # Re-read, so "after" is what the database holds (250.00, not the typed 250)
                # and compares like with like against "before".
                obj=type(obj).objects.get(pk=obj.pk),
                before=before,
                action=AuditEvent.Action.ADMIN_CHANGE if change else AuditEvent.Action.ADMIN_ADD,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record_change(
                user=request.user,
                obj=obj,
                before=model_snapshot(obj),
                action=AuditEvent.Action.ADMIN_DELETE,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record_change(
                    user=request.user,
                    obj=obj,
                    before=model_snapshot(obj),
                    action=AuditEvent.Action.ADMIN_DELETE,
                )
            super().delete_queryset(request, queryset)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent", "successor"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "org_unit", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["org_unit"]


class PartyInline(SafeAutocompleteMixin, admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["agency"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(AuditedAdmin):
    form = AgreementForm  # checks the signed PDF and stores it under a random name
    list_display = ["title", "org_unit", "number", "signed_on", "start_date", "end_date", "status"]
    list_filter = ["status", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "number", "org_unit__name"]
    autocomplete_fields = ["org_unit", "parent"]
    inlines = [PartyInline, TaskInline]


class SpreadsheetAdminMixin:
    """Import and export through django-import-export's upload → preview → confirm pages, in
    the two formats the districts use. Imports are audited row by row in the resources."""

    # Our formats read uploads within the monthly import's limits (zip, rows, size).
    import_formats = [SafeXLSX, SafeCSV]
    export_formats = [XLSX, CSV]
    import_template_name = "admin/spreadsheet/import.html"
    export_template_name = "admin/spreadsheet/export.html"

    def add_data_read_fail_error_to_form(self, form, e):
        # django-import-export shows only the exception's class name ("'ImportFileError'
        # encountered…"); a file refused by our limits gets its Vietnamese reason.
        message = read_error_message(e)
        if message is None:
            super().add_data_read_fail_error_to_form(form, e)
        else:
            form.add_error("import_file", message)


@admin.register(Indicator)
class IndicatorAdmin(SpreadsheetAdminMixin, ImportExportMixin, AuditedAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "unit", "aggregation", "task"]
    list_filter = ["aggregation", "task"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(SpreadsheetAdminMixin, ImportExportMixin, AuditedAdmin):
    resource_classes = [TargetResource]
    list_display = ["agreement", "indicator", "year", "value"]
    list_filter = ["year", "indicator"]
    search_fields = ["agreement__title", "indicator__code"]
    autocomplete_fields = ["agreement"]


@admin.register(Baseline)
class BaselineAdmin(SpreadsheetAdminMixin, ExportMixin, AuditedAdmin):
    resource_classes = [BaselineResource]
    list_display = ["agreement", "indicator", "value", "as_of"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "org_unit__name"]
    autocomplete_fields = ["org_unit"]


admin.site.empty_value_display = _("(none)")


class MembershipInline(SafeAutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["org_unit"]


# Provincial staff manage accounts and their roles on one page.
UserModel = get_user_model()
admin.site.unregister(UserModel)


@admin.register(UserModel)
class UserWithRolesAdmin(SafeAutocompleteMixin, AuditedInlinesMixin, UserAdmin):
    """Roles granted or removed on the user page are audited like any other membership."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "last_login"]
