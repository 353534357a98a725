from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

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
    UnitSuccession,
)
from agreements.resources import BaselineResource, IndicatorResource, TargetResource
from agreements.rights import PRIVILEGED_USER_FIELDS, grants_rights, rights_exceed
from audit.admin import AuditedAdminMixin
from audit.models import AuditEvent
from audit.services import audit_record, audit_record_change, model_snapshot
from core.admin import SafeAutocompleteMixin
from core.import_export import SafeCSV, SafeXLSX, read_error_message


class AuditedAdmin(SafeAutocompleteMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Every add, change and delete in the administration lands in the audit trail."""


class SuccessionInline(SafeAutocompleteMixin, admin.TabularInline):
    """The units that took over this one, with the date (a reform is better recorded on the
    reform page, which also ends the unit and moves its agreements)."""

    model = UnitSuccession
    fk_name = "predecessor"
    extra = 0
    autocomplete_fields = ["successor"]


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [SuccessionInline]


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


def _grants_rights(request) -> bool:
    # Once per request: every permission method below asks.
    if not hasattr(request, "_grants_rights"):
        request._grants_rights = grants_rights(request.user)
    return request._grants_rights


def _may_manage_account(request, user) -> bool:
    """Whether the requester may change, delete or set the password of ``user``, or edit
    their roles: the admin role may; anyone else only for accounts with no more rights than
    their own."""
    return _grants_rights(request) or not rights_exceed(user, request.user)


def _refuse(message) -> None:
    raise PermissionDenied(message)


def _membership_check(request, *, user_ids, roles) -> None:
    """Roles that only the admin role may hand out or take away: the ``admin`` role itself,
    any role of one's own account (nobody widens their own scope), any role of an account
    with more rights than one's own."""
    if _grants_rights(request):
        return
    if Membership.Role.ADMIN in roles:
        _refuse(_("Only an administrator may grant or remove the administrator role."))
    if request.user.pk in user_ids:
        _refuse(_("You cannot change your own roles; ask an administrator."))
    for user in UserModel.objects.filter(pk__in=[pk for pk in user_ids if pk]):
        if rights_exceed(user, request.user):
            _refuse(_("This account has more rights than yours; ask an administrator."))


class MembershipRulesMixin:
    """The admin role is not even offered to anyone else."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not _grants_rights(request):
            field.choices = [c for c in field.choices if c[0] != Membership.Role.ADMIN]
        return field


@admin.register(Membership)
class MembershipAdmin(MembershipRulesMixin, AuditedAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "org_unit__name"]
    autocomplete_fields = ["org_unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not _grants_rights(request):
            # Not oneself, nor an account above one's own (a forged id is "not a valid
            # choice"; audit_check refuses the rest).
            kwargs["queryset"] = (
                UserModel.objects.exclude(pk=request.user.pk)
                .exclude(is_superuser=True)
                .exclude(memberships__role=Membership.Role.ADMIN)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_edit(self, request, obj) -> bool:
        return (
            obj is None
            or _grants_rights(request)
            or (
                obj.role != Membership.Role.ADMIN
                and obj.user_id != request.user.pk
                and _may_manage_account(request, obj.user)
            )
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def audit_check(self, request, obj, *, before, after, change):
        _membership_check(
            request,
            user_ids={before.get("user"), after.get("user")} - {None},
            roles={before.get("role"), after.get("role")},
        )

    def audit_delete(self, request, obj):
        # The bulk action deletes without asking has_delete_permission per object.
        _membership_check(request, user_ids={obj.user_id}, roles={obj.role})
        super().audit_delete(request, obj)


admin.site.empty_value_display = _("(none)")


class MembershipInline(MembershipRulesMixin, SafeAutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["org_unit"]

    # ``obj`` is the user whose page this is: nobody but the admin role edits their own
    # roles (the account page's own rules cover accounts above the requester's).
    def _may_edit(self, request, obj) -> bool:
        return _grants_rights(request) or obj is None or obj.pk != request.user.pk

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)


# Provincial staff manage accounts and their roles on one page.
UserModel = get_user_model()
admin.site.unregister(UserModel)
admin.site.unregister(Group)


@admin.register(UserModel)
class UserWithRolesAdmin(SafeAutocompleteMixin, AuditedAdminMixin, UserAdmin):
    """Accounts and their roles, audited. Rights (superuser, staff, groups, permissions, the
    admin role) are read-only except for the admin role, and checked again on save; accounts
    with more rights than the requester's cannot be changed, deleted or given a password by
    them."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "last_login"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not _grants_rights(request):
            fields += [name for name in PRIVILEGED_USER_FIELDS if name not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or _may_manage_account(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or _may_manage_account(request, obj)

    def audit_check(self, request, obj, *, before, after, change):
        if _grants_rights(request):
            return
        # On add, "before" is empty: a new account starts with no rights at all.
        empty = {"is_superuser": False, "is_staff": False, "groups": [], "user_permissions": []}
        if any(before.get(name, empty[name]) != after.get(name) for name in PRIVILEGED_USER_FIELDS):
            _refuse(
                _("Only an administrator may change superuser, staff, group or permission rights.")
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            # The inline's choices and permissions already keep the admin role and one's own
            # roles out of the form; this refuses a forged POST that gets past them.
            touched = [f for f in formset.forms if f.has_changed() or f in formset.deleted_forms]
            stored = Membership.objects.filter(
                pk__in=[f.instance.pk for f in touched if f.instance.pk]
            )
            _membership_check(
                request,
                user_ids={form.instance.pk, *(m.user_id for m in stored)},
                roles={*(m.role for m in stored), *(f.instance.role for f in touched)},
            )
        super().save_formset(request, form, formset, change)

    def audit_delete(self, request, obj):
        if not _may_manage_account(request, obj):  # the bulk action asks no per-object question
            _refuse(_("This account has more rights than yours; ask an administrator."))
        super().audit_delete(request, obj)
        # Its roles go with it (cascade): each is recorded as it was.
        for membership in Membership.objects.filter(user=obj):
            audit_record_change(
                user=request.user,
                obj=membership,
                before=model_snapshot(membership),
                action=AuditEvent.Action.ADMIN_DELETE,
                reason=_("Deleted with the user account."),
            )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        """Setting a password is recorded — that it was set, by whom; never the hash."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                audit_record(
                    actor=request.user,
                    action=AuditEvent.Action.PASSWORD_SET,
                    object_type=user._meta.label_lower,
                    object_id=user.pk,
                    after={"usable_password": user.has_usable_password()},
                )
        return response


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdminMixin, GroupAdmin):
    """A group carries permissions: only the admin role creates, changes or deletes one."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and _grants_rights(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _grants_rights(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _grants_rights(request)
