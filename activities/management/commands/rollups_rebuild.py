"""Rebuild the rollups of the approved figures from the raw values, or check them.

    python manage.py rollups_rebuild            # recompute every plan's rollups
    python manage.py rollups_rebuild --verify   # list differences; exit 1 if there is any
    python manage.py rollups_rebuild --plan KH-2023   # one plan (by code)

The write paths keep the rollups exact in their own transactions (activities/rollups.py), so
``--verify`` should always report none; a rebuild is for data written past them (a manual SQL
fix, an old backup loaded with ``loaddata``)."""

from django.core.management.base import BaseCommand, CommandError

from activities.rollups import rollups_differences, rollups_rebuild
from agreements.models import Agreement


class Command(BaseCommand):
    help = "Rebuild (or --verify) the rollups of the approved figures from the raw values."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="Compare, change nothing.")
        parser.add_argument("--plan", action="append", default=[], help="A plan's code.")

    def handle(self, *args, verify: bool, plan: list[str], **options):
        plan_ids = None
        if plan:
            plans = dict(Agreement.objects.filter(code__in=plan).values_list("code", "pk"))
            missing = sorted(set(plan) - set(plans))
            if missing:
                raise CommandError(f"No plan with code {', '.join(missing)}")
            plan_ids = list(plans.values())
        if verify:
            differences = rollups_differences(plan_ids=plan_ids, limit=0)
            for line in differences[:50]:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"{len(differences)} difference(s) between rollups and values")
            self.stdout.write(self.style.SUCCESS("Rollups equal the approved values."))
            return
        count = rollups_rebuild(plan_ids=plan_ids)
        self.stdout.write(self.style.SUCCESS(f"Rollups rebuilt from {count} approved figures."))
