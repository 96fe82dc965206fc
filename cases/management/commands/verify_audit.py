"""Check the hash chains of the access log and the case journal (cases/audit/chain.py).

Each row's stored hash is recomputed from the row before it and the row's content; the
first row where they differ was changed, or follows a deleted row. Exits with status 1 and
names that row, so that a scheduled run (cron, a monitoring check) raises the alarm.
"""

from django.core.management.base import BaseCommand, CommandError

from cases.audit import chain


class Command(BaseCommand):
    help = "Verify the hash chains of the access log and the journal; name the first broken row."

    def handle(self, *args, **options) -> None:
        broken = []
        for model in chain.CHAINED:
            count, first_break = chain.verify(model)
            table = model._meta.db_table
            if first_break is None:
                self.stdout.write(f"{table}: {count} rows, chain intact.")
            else:
                broken.append(
                    f"{table}: chain broken at row id={first_break.pk} ({first_break.at:%Y-%m-%d %H:%M:%S}): "
                    "this row was changed, or the row before it was deleted."
                )
        if broken:
            raise CommandError("\n".join(broken))
