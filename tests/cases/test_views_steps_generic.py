"""cases:step (cases/views/steps.py), the generic step: one POST for the transitions that need
no page of their own (validate, submit, designate...); sending a plan back has its own page
(tests/cases/test_views_steps_plan.py)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CaseState, JournalEntry, MeetingKind, PlanStatus
from tests.helpers import messages_of, state_of

pytestmark = pytest.mark.django_db


def step(client, case, name, text=None):
    data = {} if text is None else {"text": text}
    return client.post(reverse("cases:step", args=[case.pk, name]), data)


def test_get_is_not_allowed(client, make_case, coordinator):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    assert client.get(reverse("cases:step", args=[case.pk, "validate_plan"])).status_code == 405
    assert state_of(case) == CaseState.PLAN_VALIDATION


def test_an_outsider_gets_404(client, make_case, outsider):
    case = make_case("plan_validation")
    client.force_login(outsider)
    assert step(client, case, "validate_plan").status_code == 404
    assert state_of(case) == CaseState.PLAN_VALIDATION


@pytest.mark.parametrize("name", ["fly_away", "start_plan", "interrupt", "close", "report"])
def test_unknown_steps_and_steps_with_their_own_form_are_404(client, make_case, coordinator, name):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    assert step(client, case, name).status_code == 404
    assert state_of(case) == CaseState.PLAN_VALIDATION


def test_a_contact_person_may_not_validate_a_plan(client, make_case, contact_person):
    case = make_case("plan_validation")
    client.force_login(contact_person)
    response = step(client, case, "validate_plan")
    assert response.status_code == 403
    assert "validiert einen Aktionsplan" in response.content.decode()
    assert state_of(case) == CaseState.PLAN_VALIDATION


def test_the_case_manager_may_not_validate_the_plan(client, make_case, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    assert step(client, case, "validate_plan").status_code == 403
    assert state_of(case) == CaseState.PLAN_VALIDATION


def test_the_coordinator_validates_the_plan_with_a_comment(client, make_case, coordinator):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    response = step(client, case, "validate_plan", "Gute Planung.")
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert state_of(case) == CaseState.IMPLEMENTATION
    plan = case.plans.get()
    assert plan.status == PlanStatus.VALIDATED and plan.decision_comment == "Gute Planung."
    assert messages_of(response) == ["Erledigt: Plan validieren."]
    assert JournalEntry.objects.filter(case=case, transition="validate_plan", author=coordinator).exists()


def test_sending_a_plan_back_is_not_a_generic_step(client, make_case, coordinator):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    assert step(client, case, "send_back_plan", "Arbeitstraining zuerst abklären.").status_code == 404
    assert state_of(case) == CaseState.PLAN_VALIDATION


def test_a_guard_that_is_not_met_is_shown_on_the_case_page(client, make_case, case_manager):
    case = make_case("plan_preparation")  # version 1 is open, still empty
    client.force_login(case_manager)
    response = step(client, case, "submit_plan")
    assert response.status_code == 302
    assert state_of(case) == CaseState.PLAN_PREPARATION
    assert messages_of(response) == [
        "Der Aktionsplan braucht mindestens ein Ziel und eine Massnahme.",
        "Der Aktionsplan muss von der Person und vom Case Manager unterzeichnet sein (Datum beider Unterschriften).",
    ]


def test_a_step_from_another_state_is_refused_with_a_message(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = step(client, case, "validate_plan")
    assert response.status_code == 302
    assert state_of(case) == CaseState.IMPLEMENTATION
    assert messages_of(response) == ["Dieser Schritt ist im Status «Umsetzung» nicht möglich."]


def test_the_coordinator_organises_a_round_table(client, make_case, coordinator):
    case = make_case("reported")
    client.force_login(coordinator)
    response = step(client, case, "plan_round_table")
    assert response.status_code == 302
    assert state_of(case) == CaseState.ROUND_TABLE
    assert case.meetings.get().kind == MeetingKind.ROUND_TABLE


def test_the_case_manager_submits_a_complete_signed_plan(client, make_case, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    # sent back first, then the next version signed and submitted
    plan = actions.send_back_plan(case, by=case.coordinator, reasons="Unvollständig.", options="Bitte ergänzen.")
    plan.signed_by_person_on = plan.signed_by_cm_on = timezone.localdate()
    plan.save()
    response = step(client, case, "submit_plan")
    assert response.status_code == 302
    assert state_of(case) == CaseState.PLAN_VALIDATION
    assert case.plans.get(version=2).status == PlanStatus.SUBMITTED


def test_a_losing_step_keeps_the_text_that_was_typed(client, make_case, coordinator):
    """Two coordinators decide at the same time: the one who loses finds the options typed."""
    case = make_case("plan_validation")
    actions.validate_plan(case, by=coordinator, comment="Einverstanden.")  # the other decision came first
    client.force_login(coordinator)
    response = step(client, case, "validate_plan", text="Bitte zuerst ein Arbeitstraining prüfen.")
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Bitte zuerst ein Arbeitstraining prüfen." in page
    assert "kept-text" in page
    again = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Bitte zuerst ein Arbeitstraining prüfen." not in again, "shown once"


def test_a_refused_step_still_offered_gets_its_text_back_in_its_field(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    assert step(client, case, "change_plan", text="   ").status_code == 302  # blank: refused, nothing kept
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actions, "change_plan", lambda *a, **k: (_ for _ in ()).throw(actions.ActionRefused(["Nein."])))
        step(client, case, "change_plan", text="Neue Ziele nach dem Unfall.")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert ">Neue Ziele nach dem Unfall.</textarea>" in page
