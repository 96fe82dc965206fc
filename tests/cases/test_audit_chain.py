"""Tamper-evident records (issue 18 point 9): the access log and the journal carry a hash
chain written by their one writer, ``manage.py verify_audit`` recomputes it and names the
first broken row; the journal cannot be changed or deleted through the model."""

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import RequestFactory

from cases import actions
from cases.audit import chain
from cases.audit.access import log_access
from cases.models import AccessLog, JournalEntry, JournalKind

pytestmark = pytest.mark.django_db


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(client, make_case, coordinator, case_manager):
    """Cases taken through the real actions (journal entries) and read (access-log rows)."""
    cases = [make_case("implementation"), make_case("reported"), make_case("plan_validation")]
    client.force_login(coordinator)
    for case in cases:
        assert client.get(case.get_absolute_url()).status_code == 200
        actions.add_journal_entry(cases[0], by=case_manager, kind=JournalKind.NOTE, text=f"Notiz zu {case.reference}")
    return cases


def raw(sql: str, params) -> None:
    """Raw SQL past the model (on PostgreSQL as the tables' owner, who may allow the rewrite)."""
    chain.allow_rewrite()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_chains_of_a_seeded_set_verify(seeded):
    assert JournalEntry.objects.count() >= 10 and AccessLog.objects.count() >= 3
    assert not JournalEntry.objects.filter(hash="").exists() and not AccessLog.objects.filter(hash="").exists()
    out = verify()
    assert f"cases_journalentry: {JournalEntry.objects.count()} rows, chain intact." in out
    assert f"cases_accesslog: {AccessLog.objects.count()} rows, chain intact." in out


def test_each_hash_covers_the_row_and_the_hash_before_it(seeded):
    rows = list(JournalEntry.objects.order_by("pk"))
    assert rows[0].hash == chain.digest(chain.GENESIS, rows[0])
    for before, row in itertools.pairwise(rows):
        assert row.hash == chain.digest(before.hash, row)
    assert len({row.hash for row in rows}) == len(rows)


def test_a_journal_text_changed_in_the_database_is_named(seeded):
    rows = list(JournalEntry.objects.order_by("pk").values_list("pk", flat=True))
    victim = rows[len(rows) // 2]
    raw("UPDATE cases_journalentry SET text = %s WHERE id = %s", ["nichts geschehen", victim])
    with pytest.raises(CommandError, match=rf"cases_journalentry: chain broken at row id={victim} "):
        verify()


def test_an_access_log_row_changed_in_the_database_is_named(seeded):
    victim = AccessLog.objects.order_by("pk").values_list("pk", flat=True)[1]
    raw("UPDATE cases_accesslog SET user_id = user_id + 0, detail = %s WHERE id = %s", ["", victim])
    with pytest.raises(CommandError, match=rf"cases_accesslog: chain broken at row id={victim} "):
        verify()


def test_a_deleted_journal_row_is_detected_at_the_row_after_it(seeded):
    rows = list(JournalEntry.objects.order_by("pk").values_list("pk", flat=True))
    raw("DELETE FROM cases_journalentry WHERE id = %s", [rows[3]])
    with pytest.raises(CommandError, match=rf"chain broken at row id={rows[4]} .*the row before it was deleted"):
        verify()


def test_a_deleted_access_log_row_is_detected(seeded):
    rows = list(AccessLog.objects.order_by("pk").values_list("pk", flat=True))
    raw("DELETE FROM cases_accesslog WHERE id = %s", [rows[0]])
    with pytest.raises(CommandError, match=rf"cases_accesslog: chain broken at row id={rows[1]} "):
        verify()


def test_a_rebuilt_chain_verifies_again(seeded):
    """What the migration does over existing rows and the demo after re-dating its journal."""
    victim = JournalEntry.objects.order_by("pk").values_list("pk", flat=True)[2]
    raw("UPDATE cases_journalentry SET hash = '' WHERE id = %s", [victim])
    with pytest.raises(CommandError):
        verify()
    assert chain.rebuild(JournalEntry) >= 1
    assert "cases_journalentry" in verify()


def test_the_journal_cannot_be_changed_or_deleted_through_the_model(make_case):
    case = make_case("reported")
    entry = case.journal.order_by("pk").first()
    entry.text = "geändert"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        JournalEntry.objects.filter(pk=entry.pk).update(text="geändert")
    with pytest.raises(PermissionError):
        JournalEntry.objects.filter(pk=entry.pk).delete()
    assert JournalEntry.objects.get(pk=entry.pk).text != "geändert"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")  # another transactional test's flush removed them
def test_two_writers_at_once_do_not_fork_the_chain(make_case, coordinator, case_manager):
    """Writers on their own connections, at the same time, to both chains: the chains stay
    one line (SQLite: the IMMEDIATE transaction; PostgreSQL: the advisory lock)."""
    case = make_case("implementation")
    factory = RequestFactory()
    start = threading.Barrier(4)
    errors = []

    def journal(i):
        try:
            start.wait()
            for k in range(8):
                actions.add_journal_entry(case, by=case_manager, kind=JournalKind.NOTE, text=f"{i}-{k}")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    def reads(i):
        try:
            start.wait()
            for k in range(8):
                request = factory.get("/")
                request.user = coordinator
                log_access(request, case, detail=f"{i}-{k}")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=f, args=(i,)) for i in range(2) for f in (journal, reads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert JournalEntry.objects.filter(text__contains="-").count() == 16
    assert AccessLog.objects.filter(detail__contains="-").count() == 16
    assert "chain intact" in verify() and chain.verify(JournalEntry)[1] is None and chain.verify(AccessLog)[1] is None
