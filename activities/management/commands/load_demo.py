from django.core.management.base import BaseCommand, CommandError

from activities.demo import SAMPLE_PLAN, demo_next_plan, demo_reports, demo_targets, demo_users
from agreements.models import Agreement
from core import calendar
from core.db import database_analyze


class Command(BaseCommand):
    help = "Create demo users, targets and SAMPLE monthly figures (run load_plan first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Password for every demo user (default: a new random one, printed)."
        )
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, **options):
        plan = (
            Agreement.objects.filter(parent__isnull=True)
            .exclude(code=SAMPLE_PLAN.code)
            .order_by("-start_date")
            .first()
        )
        if plan is None:
            raise CommandError("No plan loaded: run `python manage.py load_plan` first.")
        # The loaded plan, then a sample next plan started from it by the staff's service.
        sample_plan = demo_next_plan(previous=plan)
        password, logins = demo_users(password=options["password"])
        today = calendar.today()
        count = 0
        for each in (plan, sample_plan):
            demo_targets(plan=each)
            count += demo_reports(
                plan=each,
                today=today,
                seed=options["seed"],
                stock_since=calendar.agreement_months(plan)[0],
            )
        database_analyze()  # statistics for the tables the demo just filled in bulk
        self.stdout.write(
            self.style.SUCCESS(f"Sample data: {count} monthly reports (marked as sample data).")
        )
        self.stdout.write(f"Sample next plan: {sample_plan.title} ({sample_plan.code}).")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {password})")
        for username, role, unit in logins:
            self.stdout.write(f"  {username:22} {role:24} {unit}")
        self.stdout.write(
            "  doan.<district>, congan.<district> exist for every district (e.g. doan.dienchau)."
        )
