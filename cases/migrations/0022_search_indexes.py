"""Trigram indexes for the case list's search (cases/filters.py: search) on PostgreSQL.

The search matches parts of the reference and of the person's names case-insensitively
(Django's ``icontains``: ``UPPER(column) LIKE UPPER('%text%')``); a GIN index of pg_trgm on
``UPPER(column)`` answers such a pattern without reading every row. The extension comes from
migration 0020. Nothing on SQLite (no such index; its tables are small)."""

from django.db import migrations

INDEXES = {
    "person_last_name_trgm": ("cases_person", "last_name"),
    "person_first_name_trgm": ("cases_person", "first_name"),
    "case_reference_trgm": ("cases_case", "reference"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0021_audit_chains")]

    operations = [migrations.RunPython(create, drop)]
