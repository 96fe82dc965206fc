"""The flow of the funding requests through the legal commission, through the actions."""

from decimal import Decimal

import pytest

from cases.commission import actions, fund
from cases.flow.policy import ActionRefused
from cases.models import FundingRequest, JournalEntry, Notification, RequestState
from tests.factories import institution
from tests.helpers import journal_texts


def test_a_pre_financing_from_request_to_approval(case_in_progress, submit, officer, legal, sitting, budget, case_manager):
    request = submit(case_in_progress)
    assert request.state == RequestState.SUBMITTED
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    request.refresh_from_db()
    assert (request.state, request.sitting, request.agenda_position) == (RequestState.ON_AGENDA, sitting, 1)

    decision = actions.decide_request(
        request,
        by=legal,
        outcome="approved",
        amount=Decimal("4500"),
        conditions="Bericht nach 3 Monaten",
        members_present=[legal],
    )
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert list(decision.members_present.all()) == [legal]
    assert fund.position(sitting.held_on.year).committed == Decimal("4500")
    texts = journal_texts(case_in_progress)
    assert any("FR-" in text and "CHF 5" in text for text in texts)
    decided = [text for text in texts if "bewilligt" in text or "approved" in text]
    assert decided and "4\xa0500" in decided[-1] and "Bericht nach 3 Monaten" in decided[-1]
    notice = Notification.objects.get(recipient=case_manager, event="funding_decided")
    assert notice.case == case_in_progress


def test_a_subsidiary_financing_needs_the_reason_no_catalogue_covers_it(
    case_in_progress, submit, officer, legal, sitting, budget
):
    with pytest.raises(ActionRefused) as refused:
        submit(case_in_progress, kind="subsidiary", paying_institution=None, measure=None, proposed_measure="Coaching")
    assert "no_catalogue_reason" in refused.value.fields
    request = submit(
        case_in_progress,
        kind="subsidiary",
        measure=None,
        proposed_measure="Job-Coaching bei einem privaten Anbieter",
        no_catalogue_reason="Kein Katalog der Partner bietet dieses Coaching an.",
    )
    assert request.paying_institution is None and request.measure_name.startswith("Job-Coaching")
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    actions.decide_request(request, by=legal, outcome="rejected", reasons="Nicht zweckmässig.", members_present=[legal])
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    assert fund.position(sitting.held_on.year).committed == 0


def test_a_risk_acceptance_needs_no_amount(case_in_progress, submit, officer, legal, sitting):
    request = submit(case_in_progress, kind="risk", amount=None, paying_institution=None)
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    actions.decide_request(request, by=legal, outcome="approved", members_present=[legal])
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED and request.amount == 0


def test_the_officer_sends_back_and_the_requester_submits_again(case_in_progress, submit, officer, case_manager):
    request = submit(case_in_progress)
    with pytest.raises(ActionRefused):
        actions.send_back_request(request, by=officer, reason="  ")
    actions.send_back_request(request, by=officer, reason="Offerte fehlt.")
    request.refresh_from_db()
    assert request.state == RequestState.RETURNED and request.returned_reason == "Offerte fehlt."
    assert Notification.objects.filter(recipient=case_manager, event="funding_returned").exists()
    actions.resubmit_request(request, by=case_manager, fields={"amount": Decimal("4000"), "justification": "Mit Offerte."})
    request.refresh_from_db()
    assert (request.state, request.amount) == (RequestState.SUBMITTED, Decimal("4000"))
    assert "Offerte fehlt." in journal_texts(case_in_progress)[-2] or any(
        "Offerte fehlt." in t for t in journal_texts(case_in_progress)
    )


def test_a_deferred_request_goes_on_a_later_sitting(case_in_progress, submit, officer, legal, sitting):
    request = submit(case_in_progress)
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    actions.decide_request(request, by=legal, outcome="deferred", members_present=[legal])
    request.refresh_from_db()
    assert request.state == RequestState.DEFERRED and request.sitting is None
    later = actions.schedule_sitting(by=officer, held_on=sitting.held_on.replace(day=min(sitting.held_on.day, 28)), place="Brig")
    actions.put_on_agenda(request, by=officer, sitting=later)
    request.refresh_from_db()
    assert request.sitting == later and request.decisions.count() == 1


def test_a_member_of_the_institution_concerned_cannot_decide_and_is_recorded_as_recused(
    case_in_progress, submit, officer, legal, legal_ai, sitting, budget
):
    request = submit(case_in_progress)  # the AI is expected to pay later
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    with pytest.raises(ActionRefused) as refused:
        actions.decide_request(request, by=legal_ai, outcome="approved", amount=Decimal("1000"), members_present=[legal_ai])
    assert "Ausstand" in str(refused.value)
    decision = actions.decide_request(
        request, by=legal, outcome="approved", amount=Decimal("1000"), members_present=[legal, legal_ai]
    )
    assert list(decision.recused.all()) == [legal_ai]
    assert set(decision.members_present.all()) == {legal, legal_ai}


def test_a_decision_over_the_remaining_budget_needs_a_confirmation(case_in_progress, submit, officer, legal, sitting, budget):
    request = submit(case_in_progress, amount=Decimal("25000"))
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    with pytest.raises(ActionRefused) as refused:
        actions.decide_request(request, by=legal, outcome="approved", amount=Decimal("25000"), members_present=[legal])
    assert "5000" in refused.value.fields["confirm_over_budget"][0]
    decision = actions.decide_request(
        request, by=legal, outcome="approved", amount=Decimal("25000"), members_present=[legal], confirm_over_budget=True
    )
    assert decision.over_budget
    assert fund.position(sitting.held_on.year).remaining == Decimal("-5000")


def test_payments_and_refunds_after_a_pre_financing(case_in_progress, submit, officer, legal, sitting, budget):
    request = submit(case_in_progress)
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    with pytest.raises(ActionRefused):
        actions.record_movement(request, by=officer, kind="payment", amount=Decimal("100"), on=sitting.held_on)
    actions.decide_request(request, by=legal, outcome="approved", amount=Decimal("5000"), members_present=[legal])
    actions.record_movement(request, by=officer, kind="payment", amount=Decimal("5000"), on=sitting.held_on)
    actions.record_movement(request, by=officer, kind="refund", amount=Decimal("5000"), on=sitting.held_on, note="IV bezahlt")
    figures = fund.position(sitting.held_on.year)
    assert (figures.budget, figures.committed, figures.paid, figures.refunded, figures.remaining) == (
        Decimal("20000"),
        Decimal("5000"),
        Decimal("5000"),
        Decimal("5000"),
        Decimal("20000"),
    )
    reported, breakdowns = fund.report(sitting.held_on.year)
    assert reported == figures  # the page's figures, from the grouped queries, are the position's
    by_kind = {b.title: b for b in breakdowns}
    for title in ("Nach Art des Gesuchs", "Nach Region", "Nach Thema"):
        assert [(line.committed, line.paid, line.refunded) for line in by_kind[title].lines] == [
            (Decimal("5000"), Decimal("5000"), Decimal("5000"))
        ], title


@pytest.mark.parametrize("who", ["frontline", "contact_person", "legal", "secretariat"])
def test_only_the_case_manager_or_coordinator_requests_funding(case_in_progress, submit, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(ActionRefused) as refused:
        submit(case_in_progress, by=user)
    assert refused.value.forbidden
    assert not FundingRequest.objects.exists()


def test_the_coordinator_requests_funding_for_a_proposed_measure_without_a_plan_measure(case_in_progress, submit, coordinator):
    request = submit(case_in_progress, by=coordinator, measure=None, proposed_measure="Sprachkurs B1")
    assert request.requester == coordinator and request.measure is None


def test_no_request_on_a_closed_case(make_case, submit, case_manager):
    case = make_case("closed")
    with pytest.raises(ActionRefused):
        submit(case)


@pytest.mark.parametrize("who", ["case_manager", "coordinator", "secretariat", "legal"])
def test_only_the_officer_prepares_sittings(case_in_progress, submit, sitting, who, request):
    user = request.getfixturevalue(who)
    pending = submit(case_in_progress)
    with pytest.raises(ActionRefused):
        actions.put_on_agenda(pending, by=user, sitting=sitting)
    with pytest.raises(ActionRefused):
        actions.send_back_request(pending, by=user, reason="x")


@pytest.mark.parametrize("who", ["officer", "case_manager", "coordinator"])
def test_only_commission_members_decide(case_in_progress, submit, officer, sitting, who, request, legal):
    pending = submit(case_in_progress)
    actions.put_on_agenda(pending, by=officer, sitting=sitting)
    with pytest.raises(ActionRefused) as refused:
        actions.decide_request(pending, by=request.getfixturevalue(who), outcome="deferred", members_present=[legal])
    assert refused.value.forbidden


def test_a_request_not_on_the_agenda_is_not_decided(case_in_progress, submit, legal):
    pending = submit(case_in_progress)
    with pytest.raises(ActionRefused):
        actions.decide_request(pending, by=legal, outcome="deferred", members_present=[legal])


def test_an_attachment_is_checked_and_kept_with_the_case(case_in_progress, submit, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers import PDF

    request = submit(case_in_progress, uploads=[SimpleUploadedFile("Offerte.pdf", PDF, content_type="application/pdf")])
    attachment = request.attachments.get()
    assert attachment.case == case_in_progress and attachment.original_name == "Offerte.pdf"
    with pytest.raises(ActionRefused):
        submit(case_in_progress, uploads=[SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")])
    assert FundingRequest.objects.count() == 1
    assert JournalEntry.objects.filter(case=case_in_progress, event="file_added").count() == 1
    assert institution("ai").pk in request.concerned_institutions()


def test_a_commission_membership_may_name_the_institution_the_member_comes_from(db):
    from django.core.exceptions import ValidationError

    from roles.models import Membership
    from tests.factories import UserFactory

    user = UserFactory(username="lou-legal")
    Membership(user=user, role="legal", institution=institution("ai")).full_clean()  # accepted
    Membership(user=user, role="legal").full_clean()  # and without one
    with pytest.raises(ValidationError):  # the other roles without a unit still refuse one
        Membership(user=user, role="steering", institution=institution("ai")).full_clean()
