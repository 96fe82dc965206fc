"""cases:new_review and cases:new_poa (cases/views/steps.py): reviews during the
implementation (with the person, or with the team of contact persons), the progress of each
measure, the decision on the plan; and the power of attorney."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import ActionPlan, Case, CaseState, Measure, MeasureProgress, PowerOfAttorney, Review
from tests.factories import institution
from tests.helpers import messages_of, review_data, signed_power_of_attorney

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def review_url(case):
    return reverse("cases:new_review", args=[case.pk])


def test_the_case_manager_sees_both_kinds_and_the_measures_with_their_status(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    html = client.get(review_url(case)).content.decode()
    assert 'value="with_person"' in html and 'value="team"' in html
    assert 'value="change_plan"' in html and 'value="finish_plan"' in html
    assert "Bewerbungscoaching" in html and "Arbeitstraining" in html
    assert '<option value="planned" selected>' in html  # each measure's current status
    assert "Noch keine Vollmacht erfasst." in html


def test_the_coordinator_records_only_team_reviews_and_only_continues(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    html = client.get(review_url(case)).content.decode()
    assert 'value="with_person"' not in html and 'value="team"' in html
    assert 'value="change_plan"' not in html and 'value="continue"' in html
    response = client.post(review_url(case), review_data(case, kind="team", poa_check="", decision="finish_plan"))
    assert response.status_code == 200
    assert 'id="id_decision-errors"' in response.content.decode()
    response = client.post(review_url(case), review_data(case, kind="team", poa_check=""))
    assert response.status_code == 302
    assert Review.objects.get(case=case).author == coordinator


def test_a_review_with_the_person_records_the_progress_of_each_measure(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case, statuses=["done", "running"]))
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    review = Review.objects.get(case=case)
    assert (review.kind, review.poa_check, review.network_informed, review.author) == ("with_person", "valid", True, case_manager)
    assert sorted(MeasureProgress.objects.filter(review=review).values_list("status", "note")) == [
        ("done", "Stand 0"),
        ("running", "Stand 1"),
    ]
    assert sorted(Measure.objects.filter(plan__case=case).values_list("status", flat=True)) == ["done", "running"]
    assert Case.objects.get(pk=case.pk).state == CaseState.IMPLEMENTATION
    assert messages_of(response) == ["Standortbestimmung erfasst."]


def test_a_review_with_the_person_without_checking_the_power_of_attorney_is_refused(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case, poa_check=""))
    assert response.status_code == 200
    html = response.content.decode()
    errors = html.split('id="id_poa_check-errors"')[1].split("</div></div>")[0]
    assert "Prüfen Sie bei einer Standortbestimmung mit der Person die Vollmacht (gültig, erneuert oder verweigert)." in errors
    assert "Bewerbungen laufen, Arbeitstraining begonnen." in html  # the input is kept
    assert not Review.objects.filter(case=case).exists()


def test_a_review_cannot_be_held_in_the_future(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(review_url(case), review_data(case, held_on=tomorrow))
    assert response.status_code == 200
    assert "Dieses Datum darf nicht in der Zukunft liegen." in response.content.decode()
    assert not Review.objects.filter(case=case).exists()


def test_finishing_the_plan_needs_every_measure_ended(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case, statuses=["done", "running"], decision="finish_plan"))
    assert response.status_code == 200
    errors = response.content.decode().split('id="id_decision-errors"')[1].split("</div></div>")[0]
    assert "Jede Massnahme des Plans muss abgeschlossen oder abgebrochen sein, bevor der Plan beendet wird." in errors
    assert not Review.objects.filter(case=case).exists()
    response = client.post(review_url(case), review_data(case, statuses=["done", "cancelled"], decision="finish_plan"))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.EXIT_REPORT


def test_changing_the_plan_opens_a_new_version(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case, decision="change_plan"))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_PREPARATION
    assert list(ActionPlan.objects.filter(case=case).values_list("version", "status")) == [(1, "validated"), (2, "draft")]
    assert messages_of(response) == [
        "Standortbestimmung erfasst.",
        "Eine neue Version des Aktionsplans ist eröffnet: Ändern Sie ihn, lassen Sie ihn unterzeichnen und reichen Sie ihn erneut ein.",
    ]


def test_a_changed_measure_list_is_reported(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    data = review_data(case)
    data["progress-0-measure_id"], data["progress-1-measure_id"] = data["progress-1-measure_id"], data["progress-0-measure_id"]
    response = client.post(review_url(case), data)
    assert response.status_code == 200
    assert "Die Massnahmen des Plans haben sich inzwischen geändert." in response.content.decode()


def test_reviews_are_recorded_only_during_the_implementation(client, make_case, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    response = client.get(review_url(case))
    assert response.status_code == 302
    assert messages_of(response) == ["Standortbestimmungen werden während der Umsetzung des Plans erfasst."]


# --- power of attorney --------------------------------------------------------------------


def poa_url(case):
    return reverse("cases:new_poa", args=[case.pk])


def test_the_case_institutions_are_preselected(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    html = client.get(poa_url(case)).content.decode()
    for code, checked in (("rav", True), ("social", True), ("ai", False)):
        pk = institution(code).pk
        tag = html.split(f'value="{pk}"')[1].split(">")[0]
        assert (" checked" in tag) is checked, code


def test_the_case_manager_records_a_power_of_attorney(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    signed = TODAY - datetime.timedelta(days=2)
    response = client.post(
        poa_url(case), {"signed_on": signed.isoformat(), "institutions": [institution("rav").pk, institution("ai").pk]}
    )
    assert response.status_code == 302
    poa = PowerOfAttorney.objects.get(case=case)
    assert poa.signed_on == signed and poa.recorded_by == case_manager
    assert poa.valid_until == signed.replace(year=signed.year + 1) - datetime.timedelta(days=1)
    assert set(poa.institutions.values_list("code", flat=True)) == {"rav", "ai"}
    assert messages_of(response) == ["Vollmacht erfasst."]
    # The review form now shows it.
    html = client.get(review_url(case)).content.decode()
    assert "Letzte Vollmacht unterzeichnet am" in html and "gültig" in html


def test_a_power_of_attorney_needs_a_past_date_and_institutions(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(poa_url(case), {"signed_on": tomorrow})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieses Datum darf nicht in der Zukunft liegen." in html
    assert 'id="id_institutions-errors"' in html
    assert f'value="{tomorrow}"' in html
    assert not PowerOfAttorney.objects.filter(case=case).exists()


def test_no_power_of_attorney_on_a_closed_case(client, make_case, case_manager, coordinator):
    case = make_case("closed")
    before = PowerOfAttorney.objects.filter(case=case).count()  # the one renewed at the last review
    client.force_login(coordinator)
    response = client.post(poa_url(case), {"signed_on": TODAY.isoformat(), "institutions": [institution("rav").pk]})
    assert response.status_code == 302
    assert messages_of(response) == ["Dieser Fall ist abgeschlossen: er kann nicht mehr geändert werden."]
    assert PowerOfAttorney.objects.filter(case=case).count() == before


@pytest.mark.parametrize("n", [0, 12])
def test_the_review_form_runs_the_same_queries_whatever_the_plan_holds(
    client, make_case, case_manager, n, django_assert_num_queries
):
    case = make_case("implementation")
    plan = case.records.current_plan
    for i in range(n):
        Measure.objects.create(plan=plan, position=10 + i, title=f"Kurs {i}", responsible_institution=institution("rav"))
    client.force_login(case_manager)
    assert connection.features.supports_json_field  # asked once per connection, before its first page
    # user, memberships, grants, case, the current version with its goals and measures inlined,
    # the case's institutions, the power of attorney in force, the access log (+1 its chain
    # head), the institutions offered for a new power of attorney; My tasks (n) in the navigation
    with django_assert_num_queries(REVIEW_QUERIES):
        html = client.get(review_url(case)).content.decode()
    assert not n or f"Kurs {n - 1}" in html


REVIEW_QUERIES = 11
