"""SAMPLE activity records for the demo (scripts/serve, after ``load_demo``)."""

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from records.demo import demo_records


class Command(BaseCommand):
    help = "Create SAMPLE activity records behind the demo's approved months (run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, **options):
        plans = list(Agreement.objects.filter(parent__isnull=True).order_by("start_date"))
        if not plans:
            raise CommandError("No plan loaded: run `python manage.py load_plan` first.")
        count = sum(demo_records(plan=plan, seed=options["seed"]) for plan in plans)
        self.stdout.write(
            self.style.SUCCESS(f"Sample data: {count} activity records (marked as sample data).")
        )
