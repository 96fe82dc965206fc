"""Tamper-evident records (issue 18 point 9): the hash chains of the access log and the
journal (cases/audit/chain.py), computed over the existing rows in id order; and, on
PostgreSQL, the journal and every change-history table append-only like the access log.

The triggers refuse UPDATE and DELETE unless the transaction has set
``iiz.allow_rewrite = 'on'`` *and* runs as the table's owner (or a member of its role):
the owner, who runs the migrations, could drop the triggers anyway; the application's role,
which owns no table (docs/deployment.md), cannot get past them. Migrations and the demo
data (which re-dates what it replays) use the setting (``chain.allow_rewrite``)."""

import django.utils.timezone
from django.db import migrations, models

from cases.audit import chain

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION iiz_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('iiz.allow_rewrite', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
# The last hash of a chain, read after taking the chain's lock. A VOLATILE function takes a
# new snapshot for each statement (READ COMMITTED), so the read sees the rows of a writer that
# held the lock before.
HEAD_SQL = """
CREATE OR REPLACE FUNCTION iiz_chain_head(lock_key bigint, chained regclass) RETURNS text AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    EXECUTE format('SELECT hash FROM %s ORDER BY id DESC LIMIT 1', chained) INTO head;
    RETURN head;
END;
$$ LANGUAGE plpgsql VOLATILE;
"""
TRIGGER_SQL = """
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION iiz_append_only();
"""
# The access log's own trigger of 0003, without the owner's way through.
OLD_ACCESS_LOG_SQL = """
DROP TRIGGER IF EXISTS cases_accesslog_append_only ON cases_accesslog;
CREATE TRIGGER cases_accesslog_append_only BEFORE UPDATE OR DELETE ON cases_accesslog
    FOR EACH ROW EXECUTE FUNCTION cases_accesslog_append_only();
"""


def append_only_tables(apps) -> list[str]:
    """The access log, the journal and every change-history table of the cases app."""
    history = [m._meta.db_table for m in apps.get_app_config("cases").get_models() if m.__name__.startswith("Historical")]
    return ["cases_accesslog", "cases_journalentry", *sorted(history)]


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION_SQL, None)  # no parameters: its "%" are plpgsql's
    schema_editor.execute(HEAD_SQL, None)
    for table in append_only_tables(apps):
        name = "cases_accesslog_append_only" if table == "cases_accesslog" else f"{table}_append_only"
        schema_editor.execute(TRIGGER_SQL.format(name=name, table=table))


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in append_only_tables(apps)[1:]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute(OLD_ACCESS_LOG_SQL)
    schema_editor.execute("DROP FUNCTION IF EXISTS iiz_append_only();")
    schema_editor.execute("DROP FUNCTION IF EXISTS iiz_chain_head(bigint, regclass);")


def chain_existing_rows(apps, schema_editor):
    chain.allow_rewrite()
    for name in ("AccessLog", "JournalEntry"):
        chain.rebuild(apps.get_model("cases", name))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_intake_matching"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="hash"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="hash"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="when"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="when"),
        ),
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
