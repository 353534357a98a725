"""``python manage.py benchmark_dashboard``: the dashboard benchmark on its own (also
``python manage.py benchmark dashboard``). See reports/benchmark.py."""

from django.core.management.base import BaseCommand

from reports.benchmark import dashboard_arguments, run_dashboard


class Command(BaseCommand):
    help = "Time the dashboards on the demo data and on FACTOR times as many districts."

    def add_arguments(self, parser):
        dashboard_arguments(parser)

    def handle(self, *args, **options):
        run_dashboard(self, options)
