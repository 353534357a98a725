from django.core.management.base import BaseCommand

from agreements.services import plan_load
from core.db import database_analyze


class Command(BaseCommand):
    help = "Load the cooperation plan in agreements/plan_data.py (idempotent)."

    def handle(self, *args, **options):
        counts = plan_load()
        database_analyze()  # the plan's units and agreements were just loaded in bulk
        written = sum(counts.values())
        if written:
            details = ", ".join(f"{name}: {n}" for name, n in counts.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Plan loaded ({details})."))
        else:
            self.stdout.write("Plan already up to date: nothing changed.")
