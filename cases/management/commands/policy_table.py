"""Print the policy (cases/flow/policy.py) as the Markdown table of docs/permissions.md, or
write it there between its markers (``--write``); tests/cases/test_flow_policy.py checks that
the document holds what this prints."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.flow.policy import policy_table

BEGIN = "<!-- policy table: begin (manage.py policy_table --write) -->"
END = "<!-- policy table: end -->"


def document_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "permissions.md"


def replace_table(text: str, table: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


class Command(BaseCommand):
    help = "Print the policy as a Markdown table, or write it into docs/permissions.md (--write)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="replace the table in docs/permissions.md")

    def handle(self, *args, write: bool = False, **options):
        table = policy_table()
        if not write:
            self.stdout.write(table, ending="")
            return
        path = document_path()
        path.write_text(replace_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
        self.stdout.write(f"Wrote the policy table to {path}")
