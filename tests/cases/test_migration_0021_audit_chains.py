"""Migration cases/migrations/0021_audit_chains.py computes the hash chains of the access
log and the journal over the rows written before it, in id order: afterwards every row has
its hash and ``verify_audit`` finds both chains intact (on PostgreSQL past the append-only
triggers it creates in the same migration)."""

import pytest
from django.core.management import call_command

from cases.audit import chain
from cases.models import AccessLog, JournalEntry
from tests.helpers import migrate_around

MIGRATION = ("cases", "0021_audit_chains")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_the_rows_written_before_get_their_chain(make_case, coordinator):
    case = make_case("implementation")
    old = migrate(before=True)
    try:
        OldEntry, OldLog = old.get_model("cases", "JournalEntry"), old.get_model("cases", "AccessLog")
        for i in range(3):
            OldEntry.objects.create(case_id=case.pk, author_id=coordinator.pk, kind="note", text=f"Notiz {i}", params={"n": i})
            OldLog.objects.create(case_id=case.pk, user_id=coordinator.pk, kind="view", detail="case page", address="10.0.0.1")
    finally:
        migrate(before=False)

    assert JournalEntry.objects.count() > 3 and AccessLog.objects.count() == 3
    assert not JournalEntry.objects.filter(hash="").exists() and not AccessLog.objects.filter(hash="").exists()
    assert chain.verify(JournalEntry)[1] is None and chain.verify(AccessLog)[1] is None
    call_command("verify_audit")  # raises when a chain is broken


def migrate(before: bool):
    return migrate_around(MIGRATION, before=before)
