"""The audit trail: one append-only row per change, whatever app made it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def about(self, object_type: str, object_id) -> "AuditEventQuerySet":
        """Events about one object (a monthly report's history, a user's changes…)."""
        return self.filter(object_type=object_type, object_id=str(object_id))


class AuditEvent(models.Model):
    """An append-only record of a change: who, when, what, before and after, why.

    The object is named by ``object_type`` and ``object_id`` rather than a foreign key, so the
    trail depends on no other app and survives the deletion of what it describes. Monthly
    reports use the type ``monthly_report``; everything else its model label
    (``agreements.target``)."""

    class Action(models.TextChoices):
        SAVE = "save", _("Saved")
        SUBMIT = "submit", _("Submitted")
        RETURN = "return", _("Returned")
        APPROVE = "approve", _("Approved")
        REOPEN = "reopen", _("Reopened")
        IMPORT = "import", _("Imported")
        ADMIN_CHANGE = "admin_change", _("Changed in administration")
        ADMIN_ADD = "admin_add", _("Added in administration")
        ADMIN_DELETE = "admin_delete", _("Deleted in administration")
        PASSWORD_SET = "password_set", _("Password set in administration")
        PLAN_LOAD = "plan_load", _("Plan loaded")
        ISSUE = "issue", _("Report issued")
        WITHDRAW = "withdraw", _("Issued report withdrawn")
        LATE_GRANT = "late_grant", _("Late entry granted")
        REFORM = "reform", _("Reform recorded")
        PLAN_START = "plan_start", _("Plan started")
        PLAN_ACTIVATE = "plan_activate", _("Plan activated")
        PLAN_CLOSE = "plan_close", _("Plan closed")
        RECORD_ADD = "record_add", _("Activity record added")
        RECORD_CHANGE = "record_change", _("Activity record changed")
        RECORD_DELETE = "record_delete", _("Activity record deleted")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    version = models.PositiveIntegerField(_("version after"), null=True, blank=True)
    status_before = models.CharField(_("status before"), max_length=16, blank=True)
    status_after = models.CharField(_("status after"), max_length=16, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            # One object's history, newest first (a month's page, the stale-version check).
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_history"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()}"
