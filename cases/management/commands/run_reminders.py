"""Create and send the reminders once (sweep + send), without a Celery worker."""

from django.core.management.base import BaseCommand

from cases.deadlines import reminders


class Command(BaseCommand):
    help = "Create the reminders that have come due and send the pending ones."

    def handle(self, *args, **options) -> None:
        created, sent, failed = reminders.run()
        self.stdout.write(f"Reminders: {created} created, {sent} sent, {failed} failed.")
