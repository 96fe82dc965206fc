"""Recompute the dates every case keeps for counting its deadlines (cases.deadlines.kept_dates).

The actions keep them current; run this after changing cases by other means (a bulk import,
a restore of some tables) or to check them: it reports how many cases it corrected.
"""

from django.core.management.base import BaseCommand

from cases import deadlines
from cases.models import Case


class Command(BaseCommand):
    help = "Recompute the deadline dates kept on every case and report how many were corrected."

    def handle(self, *args, **options) -> None:
        corrected = deadlines.refresh_kept_dates(Case.objects.all())
        self.stdout.write(f"Deadline dates: {corrected} of {Case.objects.count()} cases corrected.")
