"""Fill the database with N realistic cases and their users for load tests (cases/demo/bulk.py)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.demo.bulk import BULK_PASSWORD, bulk_present, logins, seed_bulk


class Command(BaseCommand):
    help = (
        "Add N cases with their plans, reviews, powers of attorney, files' records and journal, and the users who work on them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="How many cases to add.")
        parser.add_argument("--seed", type=int, default=7, help="Seed of the random choices (the same seed gives the same data).")
        parser.add_argument("--password", default=BULK_PASSWORD, help="The password of every bulk user.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_bulk refuses to run with IIZ_PRODUCTION on: its users share a known password.")
        if bulk_present():
            raise CommandError("The bulk data are already there (user bulk-officer): use an empty database.")
        started = time.perf_counter()
        counts = seed_bulk(options["cases"], seed=options["seed"], password=options["password"], say=self.stdout.write)
        self.stdout.write(", ".join(f"{name} {count}" for name, count in counts.items()))
        self.stdout.write(f"Bulk data written in {time.perf_counter() - started:.1f} s. Logins: {', '.join(logins())}.")
