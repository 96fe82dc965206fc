"""Create and send the reminders once (sweep + send), and the daily digest of notifications when
its hour has come, without a Celery worker."""

from django.core.management.base import BaseCommand

from cases.deadlines import reminders
from cases.notifications import email as notification_email


class Command(BaseCommand):
    help = "Create the reminders that have come due and send the pending ones, and the digest of notifications."

    def handle(self, *args, **options) -> None:
        created, sent, failed = reminders.run()
        self.stdout.write(f"Reminders: {created} created, {sent} sent, {failed} failed.")
        notification_email.catch_up()
        sent, failed = notification_email.send_digests()
        self.stdout.write(f"Notifications in the daily digest: {sent} sent, {failed} failed.")
