from django.core.management.base import BaseCommand, CommandError

from activities.demo import demo_reports, demo_targets, demo_users
from agreements.selectors import current_plan
from core import calendar


class Command(BaseCommand):
    help = "Create demo users, targets and SAMPLE monthly figures (run load_plan first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Password for every demo user (default: a new random one, printed)."
        )
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args, **options):
        plan = current_plan()
        if plan is None:
            raise CommandError("No plan loaded: run `python manage.py load_plan` first.")
        password, logins = demo_users(password=options["password"])
        demo_targets(plan=plan)
        count = demo_reports(plan=plan, today=calendar.today(), seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(f"Sample data: {count} monthly reports (marked as sample data).")
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {password})")
        for username, role, unit in logins:
            self.stdout.write(f"  {username:22} {role:24} {unit}")
        self.stdout.write(
            "  doan.<district>, congan.<district> exist for every district (e.g. doan.dienchau)."
        )
