from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Activity records")

    def ready(self) -> None:
        # activities asks its registries for the month's suggestions and evidence without
        # knowing this app (activities/prefill.py), as notifications listens to its events.
        from activities import prefill
        from records.selectors import month_evidence_html, month_suggestions

        prefill.provider_register(month_suggestions)
        prefill.evidence_register(month_evidence_html)
