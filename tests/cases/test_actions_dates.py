"""Dates that make sense (cases/actions.py and the rules of the records they save): a review
between the plan's first validation and today (Review.clean), a measure that ends on or after
its start (Measure.clean), a first meeting on or after the designation of the case manager
(actions.start_plan), an exit not before the last review (ExitReport.clean). Each is refused
by the action, and said next to its field on the form page, with the input kept."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.actions import ActionRefused
from cases.models import Case, CaseState, ExitOutcome, ExitReport, Measure, Review, ReviewDecision, ReviewKind
from tests.factories import institution
from tests.helpers import field_errors, plan_data, signed_power_of_attorney

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)
NOT_SAVED = "Noch nichts gespeichert: Bitte korrigieren Sie die unten markierten Felder."


def with_person(held_on: datetime.date) -> Review:
    return Review(
        kind=ReviewKind.WITH_PERSON,
        held_on=held_on,
        summary="Bewerbungen laufen.",
        poa_check="refused",  # the power of attorney aside: the dates are the point here
        decision=ReviewDecision.CONTINUE,
    )


# --- a review between the plan's first validation and today --------------------------------


def test_the_action_refuses_a_review_before_the_plans_first_validation(make_case, case_manager):
    case = make_case("implementation")  # validated today
    with pytest.raises(ValidationError) as refused:
        actions.record_review(case, by=case_manager, review=with_person(YESTERDAY))
    assert refused.value.message_dict == {
        "held_on": [f"Eine Standortbestimmung findet nach der ersten Validierung des Aktionsplans ({TODAY:%d.%m.%Y}) statt."]
    }
    assert not Review.objects.filter(case=case).exists()
    review = actions.record_review(case, by=case_manager, review=with_person(TODAY))  # the day of the validation
    assert review.held_on == TODAY


def test_the_first_validation_counts_after_a_new_version(make_case, case_manager, cast):
    """After a plan change the plan is validated again; a review may still be dated between
    the first validation and the new one."""
    from cases.demo.walk import walk

    case = make_case("implementation")
    Case.objects.filter(pk=case.pk).update(plan_validated_at=timezone.now() - datetime.timedelta(days=30))
    case.refresh_from_db()
    signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=40))
    review = with_person(TODAY)
    review.decision, review.poa_check = ReviewDecision.CHANGE_PLAN, "valid"
    actions.record_review(case, by=case_manager, review=review)
    walk(case, CaseState.IMPLEMENTATION, cast)  # the new version, validated today
    earlier = actions.record_review(case, by=case_manager, review=with_person(TODAY - datetime.timedelta(days=20)))
    assert earlier.pk


def test_the_action_refuses_a_review_in_the_future(make_case, case_manager):
    case = make_case("implementation")
    with pytest.raises(ValidationError) as refused:
        actions.record_review(case, by=case_manager, review=with_person(TOMORROW))
    assert refused.value.message_dict == {"held_on": ["Dieses Datum darf nicht in der Zukunft liegen."]}
    assert not Review.objects.filter(case=case).exists()


def review_data(case, **overrides):
    measures = list(Measure.objects.filter(plan__case=case).order_by("position", "pk"))
    data = {
        "kind": "with_person",
        "held_on": YESTERDAY.isoformat(),
        "summary": "Arbeitstraining begonnen.",
        "poa_check": "refused",
        "decision": "continue",
        "progress-TOTAL_FORMS": str(len(measures)),
        "progress-INITIAL_FORMS": str(len(measures)),
    }
    for i, measure in enumerate(measures):
        data[f"progress-{i}-measure_id"] = str(measure.pk)
        data[f"progress-{i}-status"] = "running"
    data.update(overrides)
    return data


def test_the_review_form_says_it_next_to_the_date_and_keeps_the_input(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(reverse("cases:new_review", args=[case.pk]), review_data(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f"Eine Standortbestimmung findet nach der ersten Validierung des Aktionsplans ({TODAY:%d.%m.%Y}) statt."
        in field_errors(html, "held_on")
    )
    assert f'value="{YESTERDAY.isoformat()}"' in html and "Arbeitstraining begonnen." in html
    assert NOT_SAVED in html
    assert not Review.objects.filter(case=case).exists()


def test_the_review_form_refuses_a_future_date_next_to_it(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(reverse("cases:new_review", args=[case.pk]), review_data(case, held_on=TOMORROW.isoformat()))
    assert response.status_code == 200
    assert "Dieses Datum darf nicht in der Zukunft liegen." in field_errors(response.content.decode(), "held_on")
    assert not Review.objects.filter(case=case).exists()


# --- a measure that ends on or after its start ---------------------------------------------


def late_and_early(**fields) -> dict:
    return {
        "title": "Kurs",
        "responsible_institution": institution("rav"),
        "starts_on": TODAY,
        "due_on": TODAY - datetime.timedelta(days=3),
        **fields,
    }


def test_the_action_refuses_a_measure_ending_before_it_starts(make_case, case_manager):
    case = make_case("plan_preparation")
    plan = case.records.current_plan
    with pytest.raises(ValidationError) as refused:
        actions.save_plan(plan, by=case_manager, goals=["Ziel"], measures=[late_and_early()])
    # Said on the due date, not as the database's constraint.
    assert refused.value.message_dict == {"due_on": ["Das Fälligkeitsdatum darf nicht vor dem Beginn liegen."]}
    assert not Measure.objects.filter(plan__case=case).exists()
    actions.save_plan(plan, by=case_manager, goals=["Ziel"], measures=[late_and_early(due_on=TODAY)])
    assert Measure.objects.get(plan__case=case).due_on == TODAY


def test_the_plan_form_says_it_next_to_the_measures_due_date(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    measure = {
        "title": "Kurs",
        "responsible_institution": str(institution("rav").pk),
        "starts_on": TODAY.isoformat(),
        "due_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
    }
    response = client.post(reverse("cases:edit_plan", args=[case.pk]), plan_data(goals=["Ziel"], measures=[measure]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Das Fälligkeitsdatum darf nicht vor dem Beginn liegen." in field_errors(html, "measures-0-due_on")
    assert f'value="{measure["due_on"]}"' in html and 'value="Kurs"' in html
    assert NOT_SAVED in html
    assert not Measure.objects.filter(plan__case=case).exists()


# --- a first meeting on or after the designation of the case manager -----------------------


def designated_yesterday(make_case) -> Case:
    case = make_case("cm_designated")
    Case.objects.filter(pk=case.pk).update(cm_designated_at=timezone.now() - datetime.timedelta(days=1))
    return Case.objects.get(pk=case.pk)


def test_the_action_refuses_a_first_meeting_before_the_designation(make_case, case_manager):
    case = designated_yesterday(make_case)
    before = YESTERDAY - datetime.timedelta(days=1)
    with pytest.raises(ActionRefused) as refused:
        actions.start_plan(case, by=case_manager, first_meeting_on=before)
    message = f"Das erste Treffen kann nicht vor der Bezeichnung des Case Managers ({YESTERDAY:%d.%m.%Y}) liegen."
    assert refused.value.reasons == [message]
    assert refused.value.fields == {"first_meeting_on": [message]}
    assert Case.objects.get(pk=case.pk).state == CaseState.CM_DESIGNATED
    actions.start_plan(case, by=case_manager, first_meeting_on=YESTERDAY)  # the day of the designation
    assert Case.objects.get(pk=case.pk).first_meeting_on == YESTERDAY


def test_the_action_refuses_a_first_meeting_in_the_future(make_case, case_manager):
    case = make_case("cm_designated")
    with pytest.raises(ActionRefused) as refused:
        actions.start_plan(case, by=case_manager, first_meeting_on=TOMORROW)
    assert refused.value.fields == {"first_meeting_on": ["Das erste Treffen kann nicht in der Zukunft liegen."]}


def test_the_first_meeting_form_says_it_next_to_the_date_and_keeps_the_input(client, make_case, case_manager):
    case = designated_yesterday(make_case)
    before = (YESTERDAY - datetime.timedelta(days=1)).isoformat()
    client.force_login(case_manager)
    response = client.post(reverse("cases:first_meeting", args=[case.pk]), {"first_meeting_on": before})
    assert response.status_code == 200
    html = response.content.decode()
    expected = f"Das erste Treffen kann nicht vor der Bezeichnung des Case Managers ({YESTERDAY:%d.%m.%Y}) liegen."
    assert expected in field_errors(html, "first_meeting_on")
    assert "Dies wurde nicht gespeichert:" not in html  # next to the field, not above the form
    assert NOT_SAVED in html
    assert f'value="{before}"' in html
    assert Case.objects.get(pk=case.pk).state == CaseState.CM_DESIGNATED


# --- an exit not before the last review -----------------------------------------------------


def exit_report_of(case, **fields):
    report = case.records.exit_report
    report.outcome = ExitOutcome.PLACED
    report.employer, report.workload_percent, report.summary = "Lonza AG, Visp", 80, "Gut begleitet."
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_the_action_refuses_a_start_of_work_before_the_last_review(make_case, case_manager):
    case = make_case("exit_report")  # the last review (finishing the plan) was held today
    with pytest.raises(ValidationError) as refused:
        actions.save_exit_report(exit_report_of(case, job_start_on=YESTERDAY), by=case_manager)
    assert refused.value.message_dict == {
        "job_start_on": [
            f"Der Austritt kann nicht vor der letzten Standortbestimmung ({TODAY:%d.%m.%Y}) liegen: "
            "Geben Sie den Tag des Arbeitsbeginns an, an diesem Tag oder später."
        ]
    }
    assert ExitReport.objects.get(case=case).job_start_on is None
    saved = actions.save_exit_report(exit_report_of(case, job_start_on=TODAY), by=case_manager)
    assert saved.exit_on == TODAY


def test_the_last_review_of_either_kind_counts(make_case, coordinator, case_manager):
    case = make_case("implementation")
    team = Review(kind=ReviewKind.TEAM, held_on=TODAY, summary="Team", decision=ReviewDecision.CONTINUE)
    actions.record_review(case, by=coordinator, review=team)
    actions.interrupt(case, by=case_manager, reason="moved")
    case.refresh_records()
    with pytest.raises(ValidationError) as refused:
        actions.save_exit_report(exit_report_of(case, job_start_on=YESTERDAY), by=case_manager)
    assert list(refused.value.message_dict) == ["job_start_on"]


def test_an_interruption_carries_no_exit_date_of_its_own(make_case, case_manager):
    """The interruption is dated by the case at the moment it is recorded: after every
    review, which cannot be dated in the future. The report's rule has no date to check."""
    case = make_case("implementation")
    actions.record_review(case, by=case_manager, review=with_person(TODAY))
    actions.interrupt(case, by=case_manager, reason="moved", note="Umzug.")
    case.refresh_records()
    report = case.records.exit_report
    report.summary, report.poa_not_renewed_reason = "Abgebrochen.", "Umzug vor der Erneuerung."
    assert report.exit_on is None
    actions.save_exit_report(report, by=case_manager)
    assert report.support_ended_on == TODAY


def test_the_exit_report_form_says_it_next_to_the_start_of_work(client, make_case, case_manager):
    case = make_case("exit_report")
    client.force_login(case_manager)
    data = {
        "outcome": "placed",
        "employer": "Lonza AG, Visp",
        "job_title": "Laborhilfe",
        "job_start_on": YESTERDAY.isoformat(),
        "workload_percent": "80",
        "summary": "Acht Monate Begleitung.",
        "poa_not_renewed_reason": "Umzug.",
    }
    response = client.post(reverse("cases:exit_report", args=[case.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Der Austritt kann nicht vor der letzten Standortbestimmung ({TODAY:%d.%m.%Y}) liegen" in field_errors(
        html, "job_start_on"
    )
    assert f'value="{YESTERDAY.isoformat()}"' in html and 'value="Laborhilfe"' in html
    assert ExitReport.objects.get(case=case).job_start_on is None
