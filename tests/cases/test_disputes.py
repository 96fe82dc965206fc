"""Disputes between the institutions of a case (seed 004; cases/disputes/, cases/models/disputes.py,
cases/views/disputes.py): the flow from the record to the settlement, escalation to the
officer and referral to the legal commission, the refusals by role and by state, the journal
in German and French, the officer's notification, My tasks, the dashboard's figures, and a
fixed number of queries for the pages and their POSTs."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases import worklists
from cases.disputes import actions
from cases.flow.policy import ActionRefused
from cases.models import Dispute, DisputeState, FundingRequest, Notification, RequestState
from cases.statistics import stats
from roles.models import User
from tests.conftest import make_member
from tests.factories import institution, region
from tests.helpers import journal_texts, messages_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def record(case, by, subject="costs"):
    return actions.record_dispute(
        case,
        by=by,
        institutions=[institution("rav"), institution("social")],
        subject=subject,
        description="Wer zahlt das Bewerbungscoaching?",
        proposal="Je zur Hälfte.",
    )


def held(dispute, by):
    return actions.record_exchange(
        dispute,
        by=by,
        kind="regional_exchange",
        held_on=TODAY(),
        participants="Bob (Koordination), RAV, Sozialdienst",
        outcome="Keine Einigung.",
    )


def escalated(case, coordinator):
    dispute = held(record(case, coordinator), coordinator)
    return actions.escalate_dispute(dispute, by=coordinator, reason="Die Stellen halten an ihrer Sicht fest.")


def listed(user: User, key: str) -> list[int]:
    user, today = fresh(user), TODAY()
    task_list = worklists.BY_KEY[key]
    return [task_list.row(item, today).url for item in task_list.items(user, today)]


# --- the flow ---------------------------------------------------------------------------------


def test_a_dispute_goes_from_the_record_through_the_exchange_to_the_officers_position(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    assert dispute.state == DisputeState.OPEN and dispute.opened_by == coordinator
    assert sorted(i.code for i in dispute.institutions.all()) == ["rav", "social"]
    held(dispute, coordinator)
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.EXCHANGE_HELD
    actions.escalate_dispute(dispute, by=coordinator, reason="Keine Einigung.")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state == DisputeState.ESCALATED and dispute.escalated_at is not None
    actions.take_dispute_position(dispute, by=officer, position="Das RAV übernimmt die Kosten.")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state == DisputeState.POSITION_TAKEN
    assert dispute.position == "Das RAV übernimmt die Kosten." and dispute.closed_by == officer
    assert not dispute.is_open


def test_a_dispute_settled_at_the_regional_exchange_is_closed_by_the_coordinator(make_case, coordinator):
    case = make_case("implementation")
    dispute = held(record(case, coordinator), coordinator)
    actions.settle_dispute(dispute, by=coordinator, settlement="Je zur Hälfte, Rechnung über das RAV.")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state == DisputeState.SETTLED and dispute.settlement.startswith("Je zur Hälfte")
    assert dispute.closed_by == coordinator and dispute.closed_at is not None


def test_the_referral_to_the_commission_keeps_what_a_request_is_made_of(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    actions.refer_dispute_to_commission(
        dispute,
        by=officer,
        kind="pre_financing",
        amount=Decimal("4800.50"),
        justification="Bis die Zuständigkeit geklärt ist.",
        paying_institution=institution("ai"),
    )
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state == DisputeState.REFERRED
    assert (dispute.referral_kind, dispute.referral_amount) == ("pre_financing", Decimal("4800.50"))
    assert dispute.referral_justification == "Bis die Zuständigkeit geklärt ist."
    # The referral is a request of the legal commission, waiting for the officer's check.
    request = dispute.funding_request
    assert (request.state, request.kind, request.amount) == (RequestState.SUBMITTED, "pre_financing", Decimal("4800.50"))
    assert (request.case, request.requester, request.paying_institution) == (case, officer, institution("ai"))
    assert request.proposed_measure == dispute.proposal
    assert request.pk in [item.pk for item in worklists.BY_KEY["funding_to_check"].items(fresh(officer), TODAY())]


def test_a_pre_financing_referral_names_the_institution_that_pays_later(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.refer_dispute_to_commission(
            dispute, by=officer, kind="pre_financing", amount=Decimal("4800"), justification="Fonds."
        )
    assert set(refusal.value.fields) == {"paying_institution"}
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.ESCALATED
    assert not FundingRequest.objects.filter(case=case).exists()


@pytest.mark.parametrize(("outcome", "state"), [("rejected", DisputeState.DECIDED), ("deferred", DisputeState.REFERRED)])
def test_the_commissions_decision_settles_a_referred_dispute_and_a_deferral_does_not(
    make_case, coordinator, officer, legal, outcome, state
):
    from cases.commission import actions as commission

    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    actions.refer_dispute_to_commission(dispute, by=officer, kind="risk", justification="Risiko tragbar?")
    request = Dispute.objects.get(pk=dispute.pk).funding_request
    sitting = commission.schedule_sitting(by=officer, held_on=TODAY(), place="Sitten")
    commission.put_on_agenda(request, by=officer, sitting=sitting)
    commission.decide_request(request, by=legal, outcome=outcome, reasons="Nicht tragbar.", members_present=[legal])
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state == state
    assert dispute.is_open is (state == DisputeState.REFERRED)
    assert (dispute.closed_by == legal) is (state == DisputeState.DECIDED)


def test_a_financing_referral_needs_its_amount_but_a_risk_acceptance_does_not(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.refer_dispute_to_commission(dispute, by=officer, kind="subsidiary", justification="Kein Katalog.")
    assert refusal.value.fields == {"amount": ["Geben Sie den Betrag an, über den die Kommission entscheiden soll."]}
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.ESCALATED
    actions.refer_dispute_to_commission(Dispute.objects.get(pk=dispute.pk), by=officer, kind="risk", justification="Risiko.")
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.REFERRED


# --- refusals ---------------------------------------------------------------------------------


def test_only_the_cases_coordinator_records_a_dispute(make_case, officer, case_manager, contact_person, thematic_coordinator):
    case = make_case("implementation")
    for user in (officer, case_manager, contact_person, thematic_coordinator):
        with pytest.raises(ActionRefused) as refusal:
            record(case, user)
        assert refusal.value.forbidden
        assert refusal.value.reasons == ["Nur der Koordinator des Falls erfasst einen Streitfall zwischen Stellen."]
    assert not Dispute.objects.exists()


def test_a_dispute_is_between_at_least_two_institutions(make_case, coordinator):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refusal:
        actions.record_dispute(
            case, by=coordinator, institutions=[institution("rav")], subject="costs", description="x", proposal="y"
        )
    assert "institutions" in refusal.value.fields and not refusal.value.forbidden


def test_no_dispute_on_a_closed_case(make_case, coordinator):
    case = make_case("closed")
    with pytest.raises(ActionRefused) as refusal:
        record(case, coordinator)
    assert refusal.value.reasons == ["Dieser Fall ist abgeschlossen: er kann nicht mehr geändert werden."]


def test_the_coordinator_escalates_and_only_the_officer_decides(make_case, coordinator, officer, case_manager):
    case = make_case("implementation")
    dispute = held(record(case, coordinator), coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.escalate_dispute(dispute, by=officer, reason="x")
    assert refusal.value.forbidden
    actions.escalate_dispute(dispute, by=coordinator, reason="Keine Einigung.")
    for user in (coordinator, case_manager):
        with pytest.raises(ActionRefused) as refusal:
            actions.take_dispute_position(Dispute.objects.get(pk=dispute.pk), by=user, position="x")
        assert refusal.value.forbidden
        with pytest.raises(ActionRefused) as refusal:
            actions.refer_dispute_to_commission(Dispute.objects.get(pk=dispute.pk), by=user, kind="risk", justification="x")
        assert refusal.value.forbidden
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.ESCALATED


def test_a_step_the_disputes_state_does_not_allow_is_refused_with_a_message(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.escalate_dispute(dispute, by=coordinator, reason="Zu früh.")
    assert not refusal.value.forbidden
    assert refusal.value.reasons == ["Dieser Schritt ist nicht möglich, solange der Streitfall «Offen» ist."]
    with pytest.raises(ActionRefused):
        actions.take_dispute_position(Dispute.objects.get(pk=dispute.pk), by=officer, position="Zu früh.")
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


def test_an_exchange_cannot_be_recorded_in_the_future(make_case, coordinator):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.record_exchange(
            dispute,
            by=coordinator,
            kind="regional_exchange",
            held_on=TODAY() + datetime.timedelta(days=2),
            participants="A",
            outcome="B",
        )
    assert "exchange_held_on" in refusal.value.fields
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


# --- the timeline and the officer's notification ----------------------------------------------


def test_each_step_goes_on_the_timeline_in_the_readers_language(make_case, coordinator, officer):
    case = make_case("implementation")
    before = case.journal.count()
    dispute = escalated(case, coordinator)
    actions.refer_dispute_to_commission(
        dispute,
        by=officer,
        kind="pre_financing",
        amount=Decimal("4800"),
        justification="Fonds.",
        paying_institution=institution("social"),
    )
    de = journal_texts(case, "de")[before:]
    fr = journal_texts(case, "fr")[before:]
    assert len(de) == len(fr) == 5  # the last: the funding request the referral became
    assert de[0].startswith("Wer zahlt das Bewerbungscoaching?")
    assert "Streitfall erfasst zwischen DSW, RAV über Kosten. Vorschlag: Je zur Hälfte." in de[0]
    assert "Litige enregistré entre ORP, SAS au sujet de Coûts. Proposition : Je zur Hälfte." in fr[0]
    assert (
        de[1]
        == "Streitfall: Regionaler Austausch am " + TODAY().strftime("%d.%m.%Y") + " durchgeführt. Ergebnis: Keine Einigung."
    )
    assert fr[1].startswith("Litige : Échange régional du " + TODAY().strftime("%d.%m.%Y"))
    assert de[2] == "Streitfall an den kantonalen IIZ-Beauftragten weitergeleitet: Die Stellen halten an ihrer Sicht fest."
    assert fr[2] == "Litige transmis au chargé cantonal de CII : Die Stellen halten an ihrer Sicht fest."
    assert (
        de[3]
        == "Streitfall an die Rechtskommission verwiesen (Vorfinanzierung durch den kantonalen Beschäftigungsfonds, CHF 4\xa0800,00): Fonds."
    )
    assert (
        fr[3]
        == "Litige renvoyé à la commission juridique (Préfinancement par le fonds cantonal pour l’emploi, CHF 4\xa0800,00) : Fonds."
    )


def test_the_officer_is_told_of_an_escalation_and_the_coordinator_of_the_decision(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    told = Notification.objects.filter(event="escalate_dispute")
    assert [n.recipient for n in told] == [officer]
    assert fresh(officer).unread_notifications >= 1
    actions.take_dispute_position(dispute, by=officer, position="Das RAV zahlt.")
    assert [n.recipient for n in Notification.objects.filter(event="take_dispute_position")] == [coordinator]


# --- My tasks ---------------------------------------------------------------------------------


def test_an_open_dispute_waits_for_the_coordinator_then_for_the_officer_until_decided(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    url = reverse("cases:dispute", args=[case.pk, dispute.pk])
    assert listed(coordinator, "disputes") == [url] and listed(officer, "disputes_escalated") == []
    held(dispute, coordinator)
    assert listed(coordinator, "disputes") == [url]
    actions.escalate_dispute(dispute, by=coordinator, reason="Keine Einigung.")
    assert listed(coordinator, "disputes") == [] and listed(officer, "disputes_escalated") == [url]
    actions.take_dispute_position(Dispute.objects.get(pk=dispute.pk), by=officer, position="Das RAV zahlt.")
    assert listed(officer, "disputes_escalated") == []


def test_a_coordinator_has_no_dispute_of_another_region(make_case, coordinator):
    other = make_member("ursula-uw", "regional_coordinator", region=region("uw"))
    case = make_case("reported", region_code="uw")
    record(case, User.objects.get(pk=case.coordinator_id))
    assert case.coordinator_id == other.pk
    assert listed(coordinator, "disputes") == [] and len(listed(other, "disputes")) == 1


def test_my_tasks_shows_the_disputes_and_counts_them(make_case, coordinator, officer, client):
    case = make_case("implementation")
    escalated(case, coordinator)
    record(make_case("implementation"), coordinator)
    client.force_login(officer)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert "An Sie weitergeleitete Streitfälle" in html and worklists.counts(fresh(officer))["disputes_escalated"] == 1
    client.force_login(coordinator)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert "Offene Streitfälle zu regeln" in html and worklists.counts(fresh(coordinator))["disputes"] == 1


# --- the dashboard ------------------------------------------------------------------------------


def aged(dispute, days):
    Dispute.objects.filter(pk=dispute.pk).update(opened_at=timezone.now() - datetime.timedelta(days=days))


def test_the_dashboard_counts_open_disputes_by_age_and_region(make_case, coordinator, officer, client):
    make_member("ursula-uw", "regional_coordinator", region=region("uw"))
    ow = make_case("implementation")
    uw = make_case("reported", region_code="uw")
    aged(record(ow, coordinator), 3)
    aged(record(ow, coordinator), 45)
    aged(escalated(ow, coordinator), 120)
    aged(record(uw, User.objects.get(pk=uw.coordinator_id)), 10)
    settled = held(record(ow, coordinator), coordinator)
    actions.settle_dispute(settled, by=coordinator, settlement="Einig.")  # no longer open
    client.force_login(officer)
    response = client.get(reverse("cases:dashboard"))
    table = response.context["disputes"][0].table
    rows = {row.label: [cell.value for cell in row.cells] for row in table.rows}
    assert rows["Oberwallis"] == [1, 1, 1, 3]
    assert rows["Unterwallis"] == [1, 0, 0, 1]
    assert rows["Total"] == [2, 1, 1, 4]
    assert table.columns == ["< 30 Tage", "30–90 Tage", "> 90 Tage", "Alle"]
    # The coordinator counts those of the region only; the case manager sees no such figure.
    client.force_login(coordinator)
    rows = {row.label: row.cells[-1].value for row in client.get(reverse("cases:dashboard")).context["disputes"][0].table.rows}
    assert rows["Oberwallis"] == 3 and rows["Unterwallis"] == 0


def test_the_age_bands_meet_at_30_and_90_days(make_case, coordinator):
    case = make_case("implementation")
    for days in (29, 30, 89, 90):
        aged(record(case, coordinator), days)
    counts = stats.open_disputes_by_region(case.__class__.objects.all(), TODAY())
    assert (counts[(case.region_id, "young")], counts[(case.region_id, "middle")], counts[(case.region_id, "old")]) == (1, 2, 1)


def test_the_case_manager_sees_no_dispute_figures(make_case, case_manager, client):
    make_case("implementation")
    client.force_login(case_manager)
    assert client.get(reverse("cases:dashboard")).context["disputes"] == []


# --- the pages ----------------------------------------------------------------------------------


def test_the_coordinator_records_a_dispute_from_the_case_page(make_case, coordinator, client):
    case = make_case("implementation")
    client.force_login(coordinator)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'id="disputes"' in html and reverse("cases:new_dispute", args=[case.pk]) in html
    form = client.get(reverse("cases:new_dispute", args=[case.pk]))
    assert form.status_code == 200 and "Streitfall erfassen" in form.content.decode()
    response = client.post(
        reverse("cases:new_dispute", args=[case.pk]),
        {
            "institutions": [institution("rav").pk, institution("ai").pk],
            "subject": "competence",
            "description": "Wer ist zuständig?",
            "proposal": "Die IV-Stelle führt.",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:dispute", args=[case.pk, dispute.pk])
    assert sorted(i.code for i in dispute.institutions.all()) == ["ai", "rav"]
    html = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:dispute", args=[case.pk, dispute.pk]) in html and "Zuständigkeit" in html


def test_an_invalid_dispute_form_keeps_the_input_and_names_the_field(make_case, coordinator, client):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(
        reverse("cases:new_dispute", args=[case.pk]),
        {"institutions": [institution("rav").pk], "subject": "costs", "description": "Kosten?", "proposal": "Teilen."},
    )
    html = response.content.decode()
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "Ein Streitfall besteht zwischen mindestens zwei Stellen." in html and "Kosten?" in html


def test_the_dispute_page_offers_each_role_its_next_step(make_case, coordinator, officer, case_manager, client):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    url = reverse("cases:dispute", args=[case.pk, dispute.pk])
    client.force_login(coordinator)
    assert set(re.findall(r'data-step="(\w+)"', client.get(url).content.decode())) == {"record_dispute_exchange"}
    held(dispute, coordinator)
    assert set(re.findall(r'data-step="(\w+)"', client.get(url).content.decode())) == {"settle_dispute", "escalate_dispute"}
    client.force_login(case_manager)
    html = client.get(url).content.decode()
    assert "data-step=" not in html and "Keine Einigung." in html
    client.force_login(officer)
    assert "data-step=" not in client.get(url).content.decode()
    actions.escalate_dispute(Dispute.objects.get(pk=dispute.pk), by=coordinator, reason="Keine Einigung.")
    steps = set(re.findall(r'data-step="(\w+)"', client.get(url).content.decode()))
    assert steps == {"take_dispute_position", "refer_dispute"}


def test_the_officer_takes_a_position_on_the_dispute_page(make_case, coordinator, officer, client):
    case = make_case("implementation")
    dispute = escalated(case, coordinator)
    client.force_login(officer)
    url = reverse("cases:dispute_step", args=[case.pk, dispute.pk, "take_dispute_position"])
    response = client.post(url, {"take_dispute_position-position": "Das RAV übernimmt die Kosten."}, follow=True)
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.POSITION_TAKEN
    assert "Ihre Stellungnahme ist erfasst: Der Streitfall ist geregelt." in messages_of(response)


def test_a_step_refused_for_the_disputes_state_is_shown_on_the_page(make_case, coordinator, client):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    client.force_login(coordinator)
    url = reverse("cases:dispute_step", args=[case.pk, dispute.pk, "escalate_dispute"])
    response = client.post(url, {"escalate_dispute-reason": "Zu früh."}, follow=True)
    assert response.redirect_chain == [(reverse("cases:dispute", args=[case.pk, dispute.pk]), 302)]
    assert messages_of(response) == ["Dieser Schritt ist nicht möglich, solange der Streitfall «Offen» ist."]
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


def test_an_empty_step_form_is_shown_again_with_its_error(make_case, coordinator, client):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    client.force_login(coordinator)
    url = reverse("cases:dispute_step", args=[case.pk, dispute.pk, "record_dispute_exchange"])
    response = client.post(url, {"record_dispute_exchange-kind": "regional_exchange"})
    assert response.status_code == 200 and "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


def test_the_steps_answer_by_role_scope_and_method(make_case, coordinator, officer, contact_person, client):
    case = make_case("implementation")
    dispute = record(case, coordinator)
    exchange = reverse("cases:dispute_step", args=[case.pk, dispute.pk, "record_dispute_exchange"])
    client.force_login(coordinator)
    assert client.get(exchange).status_code == 405
    assert client.post(reverse("cases:dispute_step", args=[case.pk, dispute.pk, "nonsense"])).status_code == 404
    assert client.get(reverse("cases:dispute", args=[case.pk, dispute.pk + 99])).status_code == 404
    client.force_login(officer)
    assert client.post(exchange, {}).status_code == 403
    client.force_login(contact_person)
    assert client.get(reverse("cases:dispute", args=[case.pk, dispute.pk])).status_code == 403
    outsider = make_member("ursula-uw", "regional_coordinator", region=region("uw"))
    client.force_login(outsider)
    assert client.get(reverse("cases:dispute", args=[case.pk, dispute.pk])).status_code == 404
    assert client.post(exchange, {}).status_code == 404
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


def test_the_list_shows_the_open_disputes_escalated_first(make_case, coordinator, officer, client):
    first = record(make_case("implementation"), coordinator)
    second = escalated(make_case("implementation"), coordinator)
    client.force_login(officer)
    html = client.get(reverse("cases:disputes")).content.decode()
    assert re.findall(r'data-dispute="(\d+)"', html) == [str(second.pk), str(first.pk)]
    client.force_login(coordinator)
    assert client.get(reverse("cases:disputes")).status_code == 200


def test_the_pages_speak_french(make_case, coordinator, client):
    coordinator.language = "fr"
    coordinator.save()
    case = make_case("implementation")
    dispute = record(case, coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("cases:dispute", args=[case.pk, dispute.pk])).content.decode()
    assert "Litige au sujet de : Coûts" in html and "Échange régional" in html
    assert "Litiges ouverts" in client.get(reverse("cases:disputes")).content.decode()


# --- a fixed number of queries ------------------------------------------------------------------


def grow(make_case, coordinator, n):
    """``n`` more cases with an escalated dispute each."""
    return [escalated(make_case("implementation"), coordinator) for _i in range(n)]


@pytest.mark.parametrize("n", [1, 6])
def test_the_dispute_page_runs_a_fixed_number_of_queries(make_case, coordinator, officer, client, n, django_assert_num_queries):
    disputes = grow(make_case, coordinator, n)
    dispute = disputes[-1]
    client.force_login(officer)
    # user, memberships, the case, the dispute, its institutions, the access log and its chain
    # head, My tasks (n) in the navigation (the session comes through the cache); the
    # institutions to choose from in the referral's form
    with django_assert_num_queries(9 - 1 + 1):
        assert client.get(reverse("cases:dispute", args=[dispute.case_id, dispute.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_the_list_of_disputes_runs_a_fixed_number_of_queries(
    make_case, coordinator, officer, client, n, django_assert_num_queries
):
    grow(make_case, coordinator, n)
    client.force_login(officer)
    # session, user, memberships, the count, the page of disputes with their cases, their
    # institutions, My tasks (n)
    with django_assert_num_queries(7 - 1):  # -1: the session through the cache (cached_db)
        html = client.get(reverse("cases:disputes")).content.decode()
    assert len(re.findall(r"data-dispute=", html)) == n


@pytest.mark.parametrize("n", [1, 6])
def test_recording_a_dispute_runs_a_fixed_number_of_queries(make_case, coordinator, client, n, django_assert_num_queries):
    grow(make_case, coordinator, n)
    case = make_case("implementation")
    client.force_login(coordinator)
    data = {
        "institutions": [institution("rav").pk, institution("social").pk],
        "subject": "measure",
        "description": "Welche Massnahme?",
        "proposal": "Arbeitstraining.",
    }
    with django_assert_num_queries(QUERIES_NEW_DISPUTE):
        assert client.post(reverse("cases:new_dispute", args=[case.pk]), data).status_code == 302


@pytest.mark.parametrize("n", [1, 6])
def test_a_step_of_a_dispute_runs_a_fixed_number_of_queries(
    make_case, coordinator, officer, client, n, django_assert_num_queries
):
    disputes = grow(make_case, coordinator, n)
    dispute = disputes[-1]
    client.force_login(officer)
    url = reverse("cases:dispute_step", args=[dispute.case_id, dispute.pk, "refer_dispute"])
    data = {"refer_dispute-kind": "risk", "refer_dispute-justification": "Risiko tragen."}
    with django_assert_num_queries(QUERIES_STEP):
        assert client.post(url, data).status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.REFERRED


# user, memberships, grants, the case, the institutions chosen (form); the action's
# savepoint, the check of the dispute's constraint (its savepoint and release), the dispute's
# insert, its institutions (select, insert), the journal's chain head and insert, release (the
# session comes through the cache)
QUERIES_NEW_DISPUTE = 15
# user, memberships, the case, the dispute and its institutions; the action's savepoint, the
# check of the dispute's constraint (its savepoint and release), the dispute's update, the
# journal's chain head and insert, the notification's recipients (candidates, their
# memberships and grants), the notification and the bell's count, release (the session comes
# through the cache); the referral's funding request: its insert, its journal entry (chain
# head and insert) and the dispute's link to it
QUERIES_STEP = 19 - 1 + 4


@pytest.mark.parametrize("n", [1, 6])
def test_the_case_page_with_its_disputes_runs_a_fixed_number_of_queries(
    make_case, coordinator, client, n, django_assert_num_queries
):
    case = make_case("implementation")
    for _i in range(n):
        record(case, coordinator)
    client.force_login(coordinator)
    assert connection.features.supports_json_field  # asked once per connection, before its first page
    # The case page's own queries (tests/cases/test_views_detail.py), its disputes with the case
    with django_assert_num_queries(QUERIES_CASE_PAGE):
        html = client.get(case.get_absolute_url()).content.decode()
    assert html.count('class="badge dispute-state') == n


@pytest.mark.parametrize("n", [1, 6])
def test_the_form_to_record_a_dispute_runs_a_fixed_number_of_queries(
    make_case, coordinator, client, n, django_assert_num_queries
):
    grow(make_case, coordinator, n)
    case = make_case("implementation")
    client.force_login(coordinator)
    # user, memberships, grants, the case, its institutions (checked at first), the
    # institutions to choose from, the access log and its chain head, My tasks (n)
    with django_assert_num_queries(QUERIES_FORM):
        assert client.get(reverse("cases:new_dispute", args=[case.pk])).status_code == 200


# The case page's queries (tests/cases/test_views_detail.py): its disputes come inlined
# with the case, whatever their number.
QUERIES_CASE_PAGE = 10
QUERIES_FORM = 10 - 1  # the session through the cache (cached_db)


def test_the_role_is_refused_before_the_input_is_looked_at(make_case, coordinator, officer):
    case = make_case("implementation")
    dispute = held(record(case, coordinator), coordinator)
    with pytest.raises(ActionRefused) as refusal:
        actions.escalate_dispute(dispute, by=officer, reason="")
    assert refusal.value.forbidden and not refusal.value.fields
    with pytest.raises(ActionRefused) as refusal:
        actions.refer_dispute_to_commission(dispute, by=coordinator, kind="nonsense", justification="")
    assert refusal.value.forbidden and not refusal.value.fields
