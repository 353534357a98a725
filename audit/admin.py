"""The audit trail in the administration (read-only), and the one mixin that audits every add,
change and delete made there."""

from django.contrib import admin
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record_change, model_snapshot
from core.admin import ReadOnlyAdmin

Action = AuditEvent.Action


class AuditedAdminMixin:
    """Every add, change and delete made through a ModelAdmin (its form, its inlines, the
    list's bulk delete) lands in the audit trail, in the same transaction as the change.

    "Before" is read from the database in ``save_model``; the event is written at the end of
    ``save_related``, once many-to-many fields (a user's groups and permissions) and inlines
    are saved, so "after" is what the database holds."""

    def audit_snapshot(self, obj) -> dict:
        # Re-read, so "after" is what the database holds (250.00, not the typed 250) and
        # compares like with like against "before".
        return model_snapshot(type(obj)._default_manager.get(pk=obj.pk))

    def _audit_pending(self, request) -> dict:
        if not hasattr(request, "_audit_before"):
            request._audit_before = {}
        return request._audit_before

    def audit_check(self, request, obj, *, before: dict, after: dict, change: bool) -> None:
        """Last look at a change before it is recorded, with the database already written
        (inside the admin's transaction): raise PermissionDenied to refuse it and roll it
        all back. The server-side rule behind read-only fields, so a forged POST cannot
        do what the form does not offer."""

    def save_model(self, request, obj, form, change):
        if change and obj.pk:
            self._audit_pending(request)[(type(obj), obj.pk)] = self.audit_snapshot(obj)
        super().save_model(request, obj, form, change)
        self._audit_pending(request).setdefault((type(obj), obj.pk), {})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = self._audit_pending(request).pop((type(obj), obj.pk), {})
        after = self.audit_snapshot(obj)
        self.audit_check(request, obj, before=before, after=after, change=change)
        if change and before == after:
            return  # "Save" pressed with nothing changed: nothing to record
        audit_record_change(
            user=request.user,
            obj=obj,
            before=before,
            after=after,
            action=Action.ADMIN_CHANGE if change else Action.ADMIN_ADD,
        )

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
                    action=Action.ADMIN_DELETE,
                )
            before = {
                f.instance.pk: self.audit_snapshot(f.instance)
                for f in formset.initial_forms
                if f.instance.pk and f.has_changed() and f.instance not in deleted
            }
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                audit_record_change(
                    user=request.user,
                    obj=obj,
                    after=self.audit_snapshot(obj),
                    action=Action.ADMIN_ADD,
                )
            for obj, _fields in formset.changed_objects:
                audit_record_change(
                    user=request.user,
                    obj=obj,
                    before=before.get(obj.pk, {}),
                    after=self.audit_snapshot(obj),
                    action=Action.ADMIN_CHANGE,
                )

    def audit_delete(self, request, obj) -> None:
        """Record one deletion with the whole object as it was. Admins that delete more
        than the object (a user's roles go with the user) extend this."""
        audit_record_change(
            user=request.user, obj=obj, before=model_snapshot(obj), action=Action.ADMIN_DELETE
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.audit_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.audit_delete(request, obj)
            super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail never changes: the administration may only look."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "version", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__username", "reason", "object_id"]
    list_select_related = ["actor"]
