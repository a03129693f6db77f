from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from scoring.services import jobs


class Command(BaseCommand):
    help = "Send again every photo queued for longer than --minutes (default SCORING_REQUEUE_AFTER_MINUTES)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=settings.SCORING_REQUEUE_AFTER_MINUTES)

    def handle(self, *args, minutes: float, **options):
        sent = jobs.requeue_stale(older_than=timedelta(minutes=minutes))
        self.stdout.write(f"re-sent {sent} photo(s)")
