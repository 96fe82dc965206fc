"""Tamper-evident records on PostgreSQL (issue 18 point 9): the application connects as a
role that owns no table (docs/deployment.md), which cannot TRUNCATE the access log, ALTER a
table or DISABLE a trigger, nor get past the append-only triggers of the journal and the
change history; it can insert. The role is created by running the SQL block of
docs/deployment.md with psql, so the page and the test agree.

These are properties of PostgreSQL (roles, privileges, triggers): on SQLite the module is
skipped; the models' own refusal and the hash chains are tested on every database in
tests/cases/test_audit_chain.py."""

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="database roles, privileges and triggers are PostgreSQL's (DATABASE_URL is not PostgreSQL)",
    ),
    # committed rows, seen from the application role's own connection
    pytest.mark.django_db(transaction=True),
    # another transactional test's flush may have removed the rows the migrations create
    pytest.mark.usefixtures("reference_rows"),
]

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- application-role-sql:"


def documented_sql() -> str:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    return re.search(r"```sql\n(.*?)```", after, re.S).group(1)


def psql_env() -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({"PGHOST": db["HOST"] or "localhost", "PGPORT": str(db["PORT"] or 5432), "PGUSER": db["USER"]})
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run_psql(sql: str, **variables) -> None:
    psql = shutil.which("psql")
    assert psql, "psql is needed (postgresql-client, installed by .ci/setup --test)"
    args = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", connection.settings_dict["NAME"]]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    subprocess.run(args, input=sql, text=True, env=psql_env(), check=True, capture_output=True)


@pytest.fixture
def app_role():
    """The application's role, created with the documented SQL; dropped afterwards."""
    name, password = f"iiz_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    db = connection.settings_dict
    run_psql(documented_sql(), app_role=name, app_password=password, owner=db["USER"], db=db["NAME"])
    try:
        yield name, password
    finally:
        run_psql(f'DROP OWNED BY "{name}"; DROP ROLE "{name}";')


@pytest.fixture
def as_app(app_role):
    import psycopg

    name, password = app_role
    db = connection.settings_dict
    conn = psycopg.connect(
        dbname=db["NAME"], user=name, password=password, host=db["HOST"] or "localhost", port=db["PORT"] or 5432, autocommit=True
    )
    yield conn
    conn.close()


def refused(conn, sql: str, params=None) -> str:
    """The database's refusal of ``sql`` (fails if it is carried out)."""
    import psycopg

    with pytest.raises(psycopg.Error) as error:
        conn.execute(sql, params)
    return str(error.value)


@pytest.fixture
def rows(make_case, coordinator):
    """A case (journal, change history) and an access-log row, committed."""
    from django.test import RequestFactory

    from cases.audit.access import log_access

    case = make_case("implementation")
    request = RequestFactory().get("/")
    request.user = coordinator
    log_access(request, case)
    return case


def test_the_documented_role_cannot_truncate_alter_or_disable_triggers_but_inserts(as_app, rows, coordinator):
    assert "permission denied" in refused(as_app, "TRUNCATE cases_accesslog")
    assert "must be owner" in refused(as_app, "ALTER TABLE cases_accesslog ADD COLUMN x integer")
    assert "must be owner" in refused(as_app, "ALTER TABLE cases_accesslog DISABLE TRIGGER ALL")
    assert "must be owner" in refused(as_app, "ALTER TABLE cases_journalentry DISABLE TRIGGER USER")
    assert "must be owner" in refused(as_app, "DROP TRIGGER cases_journalentry_append_only ON cases_journalentry")
    assert "must be owner" in refused(as_app, "DROP TABLE cases_historicalcase")
    assert "permission denied" in refused(as_app, "CREATE TABLE public.stash (x integer)")
    as_app.execute(
        "INSERT INTO cases_accesslog (case_id, user_id, kind, detail, at, hash) VALUES (%s, %s, 'view', 'as app', now(), '')",
        [rows.pk, coordinator.pk],
    )
    assert as_app.execute("SELECT count(*) FROM cases_accesslog WHERE detail = 'as app'").fetchone()[0] == 1
    # It reads and writes the other tables as the application does.
    as_app.execute("UPDATE cases_case SET updated_at = updated_at WHERE id = %s", [rows.pk])


def test_the_role_cannot_get_past_the_append_only_triggers(as_app, rows):
    """Even with the session setting that lets the owner rewrite rows (migrations, demo data)."""
    import psycopg

    for sql in (
        "UPDATE cases_journalentry SET text = 'x' WHERE case_id = %s",
        "DELETE FROM cases_journalentry WHERE case_id = %s",
        "UPDATE cases_historicalcase SET reason = 'x' WHERE id = %s",
        "DELETE FROM cases_historicalcase WHERE id = %s",
        "UPDATE cases_accesslog SET detail = 'x' WHERE case_id = %s",
        "DELETE FROM cases_accesslog WHERE case_id = %s",
    ):
        with pytest.raises(psycopg.Error) as error, as_app.transaction():
            as_app.execute("SET LOCAL iiz.allow_rewrite = 'on'")
            as_app.execute(sql, [rows.pk])
        assert "append-only" in str(error.value), sql


def test_the_journal_and_every_history_table_are_append_only_for_the_owner_too(rows):
    """The application's own connection (the owner here) without the setting is refused too."""
    from django.db import DatabaseError, transaction

    from cases.audit.history import TRACKED

    tables = ["cases_journalentry", "cases_accesslog", *(t.model.history.model._meta.db_table for t in TRACKED)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgenabled = 'O'"
        )
        with_trigger = {name for (name,) in cursor.fetchall()}
    assert set(tables) <= with_trigger
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"(SELECT '{table}' FROM {table} LIMIT 1)" for table in tables))
        with_rows = [name for (name,) in cursor.fetchall()]
    assert {"cases_journalentry", "cases_accesslog", "cases_historicalcase", "cases_historicalperson"} <= set(with_rows)
    for table in with_rows:  # a row trigger fires on a row
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql + " WHERE id IN (SELECT id FROM " + table + " LIMIT 1)")
    assert rows.journal.exists()


def test_the_application_role_cannot_anonymise_only_the_owner_can(app_role, make_case):
    """The nightly anonymisation (cases/retention) rewrites the append-only records: the
    triggers let only the tables' owner do it, which is why its queue's worker connects as
    the owner (docs/deployment.md)."""
    import datetime

    from django.db import DatabaseError, transaction
    from django.utils import timezone

    from cases import retention
    from cases.models import Case, Person

    case = make_case("closed")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=365 * 11))
    name, _password = app_role
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{name}"')
        retention.anonymise_due()
    assert Case.objects.get(pk=case.pk).anonymised_at is None
    assert Person.objects.get(pk=case.person_id).last_name == case.person.last_name
    assert retention.anonymise_due() == 1  # as the owner
    assert Person.objects.get(pk=case.person_id).last_name == "—"
