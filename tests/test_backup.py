"""Backups (issue 18 point 14): the procedure of docs/deployment.md ("Backups"), run on a
database with cases, their change history, journal and files: ``pg_dump --format=custom``,
the media folder packed with tar, ``pg_restore`` into a new database and the media unpacked
into a new folder; the restored database has the same cases, histories, journal (its hash
chain intact) and the same files (same SHA-256).

pg_dump and pg_restore work on PostgreSQL only: on SQLite the module is skipped."""

import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.audit import chain
from cases.models import CaseFile, JournalEntry
from tests.helpers import PDF, PNG

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="pg_dump and pg_restore back up PostgreSQL (DATABASE_URL is not PostgreSQL)",
    ),
    # pg_dump reads committed rows
    pytest.mark.django_db(transaction=True),
    # another transactional test's flush may have removed the rows the migrations create
    pytest.mark.usefixtures("reference_rows"),
]

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed (postgresql-client, installed by .ci/setup --test)"
    return path


def pg_env() -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({"PGHOST": db["HOST"] or "localhost", "PGPORT": str(db["PORT"] or 5432), "PGUSER": db["USER"]})
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run(*args: str) -> None:
    subprocess.run(args, env=pg_env(), check=True, capture_output=True)


def sha256_tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


SNAPSHOT = {
    "cases": "SELECT id, reference, state, person_id FROM cases_case ORDER BY id",
    "persons": "SELECT id, last_name, first_name, ahv_number FROM cases_person ORDER BY id",
    "case history": "SELECT history_id, id, state, history_type, history_date FROM cases_historicalcase ORDER BY history_id",
    "person history": "SELECT history_id, id, last_name, history_date FROM cases_historicalperson ORDER BY history_id",
    "file history": "SELECT history_id, id, file, history_type FROM cases_historicalcasefile ORDER BY history_id",
    "journal": "SELECT id, case_id, event, text, at, hash FROM cases_journalentry ORDER BY id",
    "access log": "SELECT id, case_id, kind, at, hash FROM cases_accesslog ORDER BY id",
    "files": "SELECT id, case_id, file, original_name, size FROM cases_casefile ORDER BY id",
}


def snapshot(cursor) -> dict[str, list]:
    result = {}
    for name, sql in SNAPSHOT.items():
        cursor.execute(sql)
        result[name] = cursor.fetchall()
    return result


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_dump_and_the_media_restore_into_a_new_database_with_the_same_records(
    make_case, secretariat, coordinator, media, tmp_path, client
):
    cases = [make_case("implementation"), make_case("closed"), make_case("reported")]
    for i, (case, content) in enumerate(zip(cases, (PDF, PNG, PDF + b"\n% 2"))):
        case_file = CaseFile(case=case, category="other", content_type="application/pdf", original_name=f"Scan {i}.pdf")
        case_file.size = len(content)
        case_file.uploaded_by = secretariat
        case_file.file.save(f"scan-{i}.pdf", SimpleUploadedFile(f"scan-{i}.pdf", content), save=False)
        case_file.save()
    client.force_login(coordinator)
    assert client.get(cases[0].get_absolute_url()).status_code == 200  # an access-log row
    with connection.cursor() as cursor:
        before = snapshot(cursor)
    assert all(before.values()) and len(before["files"]) == 3
    files_before = sha256_tree(Path(media))
    assert len(files_before) == 3

    # Backup: the database in custom format, then the media folder.
    dump, archive = tmp_path / "iiz.dump", tmp_path / "media.tar.gz"
    source = connection.settings_dict["NAME"]
    run(tool("pg_dump"), "-d", source, "--format=custom", "-f", str(dump))
    subprocess.run(["tar", "-C", str(media), "-czf", str(archive), "."], check=True)

    # Restore: a new database and a new media folder.
    restored = f"{source}_restored_{uuid.uuid4().hex[:6]}"
    restored_media = tmp_path / "restored-media"
    restored_media.mkdir()
    run(tool("createdb"), restored)
    try:
        run(tool("pg_restore"), "-d", restored, "--no-owner", "--exit-on-error", str(dump))
        subprocess.run(["tar", "-C", str(restored_media), "-xzf", str(archive)], check=True)
        import psycopg

        db = connection.settings_dict
        with (
            psycopg.connect(
                dbname=restored, user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "localhost", port=db["PORT"]
            ) as conn,
            conn.cursor() as cursor,
        ):
            after = snapshot(cursor)
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'cases_journalentry_append_only'")
            assert cursor.fetchone()[0] == 1  # the append-only triggers came back with the tables
    finally:
        run(tool("dropdb"), "--if-exists", restored)

    assert after == before
    assert sha256_tree(restored_media) == files_before
    for _id, _case, name, _original, _size in after["files"]:
        assert (restored_media / name).is_file()
    # The journal's chain still verifies over the restored rows (same content, same hashes).
    assert chain.verify(JournalEntry)[1] is None
    assert [row[-1] for row in after["journal"]] == list(JournalEntry.objects.order_by("pk").values_list("hash", flat=True))
