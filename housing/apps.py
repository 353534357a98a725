from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "housing"
    verbose_name = _("Housing register")

    def ready(self) -> None:
        # The entry page asks activities.prefill for suggestions without knowing who keeps
        # the evidence; the register, above activities, answers for the NHA indicator.
        from activities import prefill
        from housing.selectors import nha_suggestions

        prefill.provider_register(nha_suggestions)
