from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail. The lowest app: it imports only Django (and auth), so every other app
    (agreements, activities, reports) may record into it without a cycle."""

    name = "audit"
    verbose_name = _("Audit trail")
