from django.core.management.base import BaseCommand

from agreements.services import plan_load


class Command(BaseCommand):
    help = "Load the cooperation plan in agreements/plan_data.py (idempotent)."

    def handle(self, *args, **options):
        counts = plan_load()
        written = sum(counts.values())
        if written:
            details = ", ".join(f"{name}: {n}" for name, n in counts.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Plan loaded ({details})."))
        else:
            self.stdout.write("Plan already up to date: nothing changed.")
