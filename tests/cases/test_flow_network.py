"""Back to the network during implementation (seed 004, case manager: "eine Netzwerksitzung
oder sogar ein neues Assessment beantragen"): the transitions ask_network and resume_plan, the
meeting that decides, and what its result leads to (cases/models/case.py, cases/actions.py,
cases/views/steps.py)."""

import datetime

import pytest
from django.urls import reverse

from cases import actions
from cases.flow import policy
from cases.models import ActionPlan, CaseState, InterruptionReason, JournalEntry, MeetingDecision, MeetingKind
from tests.helpers import state_of

pytestmark = pytest.mark.django_db


def back_to_network(case, case_manager, kind=MeetingKind.NETWORK):
    return actions.ask_network(case, by=case_manager, kind=kind, reason="Neue Diagnose, Plan überprüfen.")


def hold(meeting, by, decision, **fields):
    meeting.held_on = datetime.date.today()
    meeting.result = "Besprochen mit allen Ansprechpersonen."
    meeting.decision = decision
    for name, value in fields.items():
        setattr(meeting, name, value)
    actions.save_meeting(meeting, by=by)


def test_the_case_manager_asks_for_a_network_meeting_with_a_reason(client, make_case, case_manager, coordinator):
    case = make_case("implementation")
    client.force_login(case_manager)
    url = reverse("cases:ask_network", args=[case.pk])
    assert client.post(url, {"kind": "network", "reason": ""}).status_code == 200  # a reason is needed
    assert state_of(case) == CaseState.IMPLEMENTATION
    response = client.post(url, {"kind": "network", "reason": "Neue Diagnose."})
    assert response.status_code == 302
    assert state_of(case) == CaseState.NETWORK
    meeting = case.meetings.order_by("-pk").first()
    assert (meeting.kind, meeting.requested_by, meeting.request_reason) == ("network", case_manager, "Neue Diagnose.")
    assert JournalEntry.objects.filter(case=case, transition="ask_network", text="Neue Diagnose.").exists()
    client.force_login(coordinator)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:meeting", args=[case.pk, meeting.pk]) in page
    assert "Neue Diagnose." in client.get(reverse("cases:meeting", args=[case.pk, meeting.pk])).content.decode()


def test_only_the_case_manager_asks_and_only_during_implementation(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    assert policy.may(coordinator, "ask_network", case).forbidden
    earlier = make_case("plan_preparation")
    decision = policy.may(case_manager, "ask_network", earlier)
    assert not decision and not decision.forbidden
    client.force_login(case_manager)
    assert client.get(reverse("cases:ask_network", args=[earlier.pk])).status_code == 302


def test_the_secretariat_organises_an_assessment_but_not_a_network_meeting(make_case, case_manager, secretariat):
    network = make_case("implementation")
    back_to_network(network, case_manager)
    assert policy.may(secretariat, "record_meeting", network).forbidden
    assessment = make_case("implementation")
    back_to_network(assessment, case_manager, kind=MeetingKind.ASSESSMENT)
    assert policy.may(secretariat, "record_meeting", assessment)


def test_the_plan_resumes_when_the_meeting_decides_so(make_case, case_manager, coordinator):
    case = make_case("implementation")
    meeting = back_to_network(case, case_manager)
    assert "Netzwerksitzung" in " ".join(policy.may(coordinator, "resume_plan", case).reasons)
    hold(meeting, coordinator, MeetingDecision.CONTINUE_PLAN)
    actions.simple_step(case, "resume_plan", by=coordinator)
    assert state_of(case) == CaseState.IMPLEMENTATION


def test_another_case_manager_named_by_the_meeting_takes_over_when_the_plan_resumes(
    make_case, case_manager, coordinator, contact_person
):
    case = make_case("implementation")
    meeting = back_to_network(case, case_manager)
    hold(meeting, coordinator, MeetingDecision.CHANGE_CM, designated_cm=contact_person, decision_reason="Nähe zum Wohnort.")
    actions.resume_plan(case, by=coordinator)
    case.refresh_from_db()
    assert (case.state, case.case_manager) == (CaseState.IMPLEMENTATION, contact_person)
    assert JournalEntry.objects.filter(case=case, text__contains="Nähe zum Wohnort.").exists()


def test_the_plan_changes_only_once_the_meeting_decided_so(make_case, case_manager, coordinator):
    case = make_case("implementation")
    meeting = back_to_network(case, case_manager)
    with pytest.raises(actions.ActionRefused, match="Netzwerk"):
        actions.change_plan(case, by=case_manager, reason="Neue Ziele")
    hold(meeting, coordinator, MeetingDecision.CHANGE_PLAN)
    actions.change_plan(case, by=case_manager, reason="Neue Ziele")
    assert state_of(case) == CaseState.PLAN_PREPARATION
    assert ActionPlan.objects.filter(case=case).count() == 2


def test_the_meeting_may_end_the_support(make_case, case_manager, coordinator):
    case = make_case("implementation")
    meeting = back_to_network(case, case_manager)
    hold(meeting, coordinator, MeetingDecision.END_SUPPORT, decision_reason="Keine Perspektive im ersten Arbeitsmarkt.")
    actions.interrupt(case, by=coordinator, reason=InterruptionReason.OTHER, note="Entscheid der Netzwerksitzung")
    assert state_of(case) == CaseState.EXIT_REPORT


def test_a_network_meeting_offers_the_network_decisions_only(client, make_case, case_manager, coordinator):
    case = make_case("implementation")
    meeting = back_to_network(case, case_manager)
    client.force_login(coordinator)
    form = client.get(reverse("cases:meeting", args=[case.pk, meeting.pk])).context["form"]
    offered = {value for value, _label in form.fields["decision"].choices}
    assert offered == {"", "continue_plan", "change_plan", "change_cm", "end_support"}
    response = client.post(
        reverse("cases:meeting", args=[case.pk, meeting.pk]),
        {
            "held_on": datetime.date.today().isoformat(),
            "decision": "change_cm",
            "participants-TOTAL_FORMS": "0",
            "participants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["designated_cm"]
