"""seed_bulk (cases/demo/bulk.py): realistic bulk data written directly, with what the
actions would keep: the deadline dates (as refresh_deadline_dates computes them), the
journal's hash chain (verify_audit), the reference counters; caseloads of 20 to 40."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from cases import actions, deadlines
from cases.demo.bulk import BULK_PASSWORD
from cases.flow.states import FINAL_STATES, CaseState
from cases.models import ActionPlan, Case, CaseFile, JournalEntry, PlanStatus, PowerOfAttorney, ReferenceCounter, Review
from roles.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk():
    out = StringIO()
    call_command("seed_bulk", "--cases", "1500", stdout=out)
    return out.getvalue()


def test_every_state_and_every_record(bulk):
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(CaseState.values)
    assert Case.objects.count() == 1500
    statuses = set(ActionPlan.objects.values_list("status", flat=True))
    assert statuses == set(PlanStatus.values)
    assert Review.objects.exists() and PowerOfAttorney.objects.exists()
    assert CaseFile.objects.filter(category="signed_plan").exists()
    assert CaseFile.objects.filter(category="signed_poa").exists()
    assert ActionPlan.objects.filter(measures__isnull=False, goals__isnull=False).exists()
    # The journal tells each case's steps in order, from the report.
    case = Case.objects.filter(state=CaseState.CLOSED, plan_validated_at__isnull=False).first()
    steps = list(case.journal.filter(kind="transition").order_by("at").values_list("transition", flat=True))
    assert steps[0] == "report" and steps[-1] == "close" and "validate_plan" in steps


def test_kept_deadline_dates_are_the_ones_refresh_computes(bulk):
    assert Case.objects.exclude(review_since=None).exists()
    assert Case.objects.exclude(poa_valid_until=None).exists()
    assert deadlines.refresh_kept_dates(Case.objects.all()) == 0
    out = StringIO()
    call_command("refresh_deadline_dates", stdout=out)
    assert "0 of 1500 cases corrected" in out.getvalue()


def test_journal_chain_verifies_and_goes_on(bulk):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"cases_journalentry: {JournalEntry.objects.count()} rows, chain intact" in out.getvalue()
    # The actions chain after the bulk rows, and intake numbers after the bulk references.
    case = Case.objects.filter(state=CaseState.REPORTED).first()
    actions.add_journal_entry(case, by=case.coordinator, kind="note", text="After the bulk data")
    assert case.journal.filter(text="After the bulk data").exists()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"cases_journalentry: {JournalEntry.objects.count()} rows, chain intact" in out.getvalue()
    year_refs = Case.objects.filter(reference__startswith=f"IIZ-{case.reported_at.year}-")
    assert ReferenceCounter.objects.get(year=case.reported_at.year).last == year_refs.count()


def test_caseloads_and_logins(bulk):
    loads = (
        Case.objects.exclude(state__in=FINAL_STATES)
        .exclude(case_manager=None)
        .values("case_manager")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert loads and all(20 <= n <= 40 for n in loads)
    cms = User.objects.filter(memberships__role=Role.CONTACT_PERSON, username__startswith="bulk-cm-")
    assert {m.region.code for u in cms for m in u.memberships.all()} == {"ow", "mw", "uw"}
    assert User.objects.get(username="bulk-coordinator-ow").check_password(BULK_PASSWORD)
    with pytest.raises(CommandError, match="already there"):
        call_command("seed_bulk", "--cases", "10", stdout=StringIO())
