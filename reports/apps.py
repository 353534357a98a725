from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Progress and reports")

    def ready(self) -> None:
        # `manage.py benchmark dashboard`: the benchmark command (activities) keeps a registry
        # of subcommands; ours registers itself here so that file needs no edit.
        from activities.management.commands import benchmark
        from reports.benchmark import dashboard_arguments, run_dashboard

        benchmark.BENCHMARKS.setdefault("dashboard", (dashboard_arguments, run_dashboard))
