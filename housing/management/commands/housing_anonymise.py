"""Anonymise the households whose retention date has passed (run daily, e.g. from cron).

Today is the portal's local date (Asia/Ho_Chi_Minh); a household is kept through its
retention date and anonymised from the day after. Running it twice changes nothing more."""

from django.core.management.base import BaseCommand

from core import calendar
from housing.services import households_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise households whose retention date has passed."

    def handle(self, *args, **options):
        count = households_anonymise_expired(today=calendar.today())
        self.stdout.write(f"{count} household(s) anonymised.")
