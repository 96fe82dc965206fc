"""Load the demo data: one user per role and the demo cases (idempotent: running it again
changes nothing). The data live in cases/demo/ (users.py, data.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.demo.data import seed_cases
from cases.demo.users import DEMO_PASSWORD, logins, seed_users
from cases.models import Case


class Command(BaseCommand):
    help = "Create or refresh the demo users (one per role), create the demo cases and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with IIZ_PRODUCTION on: demo users have a public password.")
        with transaction.atomic():
            seed_users()
            created = seed_cases()
        if not options["quiet_logins"]:
            self.print_logins()
        self.stdout.write(f"Demo cases: {Case.objects.count()} cases in the database ({created} created now).")

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for username, name, roles in logins():
            self.stdout.write(f"  {username:<20} {name:<22} {roles}")
        self.stdout.write("")
        required = settings.IIZ_OTP_REQUIRED_ROLES
        if required:
            # The real flow, in the demo too: say so, and how to try it without a phone.
            self.stdout.write(
                f"Second factor: {', '.join(required)} ('staff': everyone with the admin) set up an authenticator app\n"
                "(TOTP) at their first login and keep ten backup codes. To try the demo without one, start it with\n"
                "IIZ_OTP_REQUIRED_ROLES= (empty), e.g. IIZ_OTP_REQUIRED_ROLES= .ci/serve"
            )
        else:
            self.stdout.write("Second factor: required of nobody (IIZ_OTP_REQUIRED_ROLES is empty); anyone may set one up.")
        self.stdout.write("")
