"""Deadline reminders and misses, the weekly summary for provincial staff, daily digests and
emails still waiting. Safe to run as often as you like (cron every 15 minutes, say) and from
several servers at once: nothing is ever sent twice (see notifications/services.py)."""

from django.core.management.base import BaseCommand

from notifications.services import reminders_send


class Command(BaseCommand):
    help = "Send due reminders, summaries and digests; running it again sends nothing new."

    def handle(self, *args, **options):
        run = reminders_send()
        self.stdout.write(
            f"notifications: {run.created_keys} kinds×months, emails sent: {run.emails}, "
            f"digests sent: {run.digests}"
        )
