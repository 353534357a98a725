from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # activities publishes workflow events without knowing who listens (activities/
        # events.py); this app, above it, subscribes here so activities never imports it.
        from activities import events
        from notifications.services import report_event_notify

        events.listener_register(report_event_notify)
